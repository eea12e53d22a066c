/*
 * The kernel's ceiling for the datagrams a tunnel sends, with nothing else running: how fast
 * 1500-byte IP packets cross the veth between the two namespaces when no crypto, no TUN device
 * and no inner TCP take a share of the cores. Interop/throughput.sh compiles and runs it beside
 * plain veth TCP and the tunnels, so that the tunnels' figures can be read against what the
 * kernel alone can carry.
 *
 *   raw      IP protocol 50 through raw sockets, as raw ESP travels: sendmmsg / recvmmsg,
 *            64 packets per call, one 1480-byte payload per packet (Linux offers no
 *            segmentation offload for raw IP).
 *   udp-gso  UDP to port 4500, as ESP in UDP travels: sendmmsg of 64 super-datagrams of
 *            40 x 1472 bytes split by UDP_SEGMENT, received with UDP_GRO.
 *
 * usage: datagram-ceiling send|receive raw|udp-gso ADDRESS SECONDS
 * The receiver prints {"mode": ..., "mbit_s": ...}: payload bits per second between its first and
 * last datagram (it stops one second after the last). Needs root for raw sockets.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

enum { BATCH = 64, SEGMENTS = 40, RAW_PAYLOAD = 1480, UDP_PAYLOAD = 1472, PORT = 4500 };

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what) {
    perror(what);
    return 1;
}

static int receive(int s, int raw, const char *mode) {
    static char buffers[BATCH][65536];
    struct mmsghdr messages[BATCH];
    struct iovec vectors[BATCH];
    for (int i = 0; i < BATCH; i++) {
        vectors[i] = (struct iovec){ .iov_base = buffers[i], .iov_len = sizeof buffers[i] };
        memset(&messages[i], 0, sizeof messages[i]);
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    struct timeval second = { .tv_sec = 1 };
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof second) != 0) return fail("SO_RCVTIMEO");
    double first = 0, last = 0, deadline = seconds_now() + 30;
    long long bytes = 0;
    for (;;) {
        int n = recvmmsg(s, messages, BATCH, 0, NULL);
        if (n <= 0) {
            if (first > 0 || seconds_now() > deadline) break;
            continue;
        }
        last = seconds_now();
        if (first == 0) first = last;
        /* A raw socket hands over the IP header (20 bytes, no options here) with the payload. */
        for (int i = 0; i < n; i++) bytes += (long long)messages[i].msg_len - (raw ? 20 : 0);
    }
    double mbit = last > first ? (double)bytes * 8 / (last - first) / 1e6 : 0;
    printf("{\"mode\": \"%s\", \"mbit_s\": %.1f}\n", mode, mbit);
    return 0;
}

static int send_for(int s, int raw, double seconds, struct sockaddr_in *to) {
    static char data[SEGMENTS * UDP_PAYLOAD];
    memset(data, 0xa5, sizeof data);
    size_t length = raw ? RAW_PAYLOAD : (size_t)SEGMENTS * UDP_PAYLOAD;
    if (!raw) {
        int segment = UDP_PAYLOAD;
        if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof segment) != 0) return fail("UDP_SEGMENT");
    }
    struct mmsghdr messages[BATCH];
    struct iovec vectors[BATCH];
    for (int i = 0; i < BATCH; i++) {
        vectors[i] = (struct iovec){ .iov_base = data, .iov_len = length };
        memset(&messages[i], 0, sizeof messages[i]);
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = to;
        messages[i].msg_hdr.msg_namelen = sizeof *to;
    }
    double end = seconds_now() + seconds;
    while (seconds_now() < end) {
        if (sendmmsg(s, messages, BATCH, 0) < 0) usleep(10); /* a full socket buffer: wait, go on */
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[1], "send") && strcmp(argv[1], "receive"))
        || (strcmp(argv[2], "raw") && strcmp(argv[2], "udp-gso"))) {
        fprintf(stderr, "usage: %s send|receive raw|udp-gso ADDRESS SECONDS\n", argv[0]);
        return 2;
    }
    int raw = strcmp(argv[2], "raw") == 0;
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    if (inet_pton(AF_INET, argv[3], &address.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", argv[3]);
        return 2;
    }
    int s = raw ? socket(AF_INET, SOCK_RAW, IPPROTO_ESP) : socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) return fail("socket");
    int buffer = 16 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer);
    if (strcmp(argv[1], "receive") == 0) {
        if (!raw) {
            int one = 1;
            if (bind(s, (struct sockaddr *)&address, sizeof address) != 0) return fail("bind");
            if (setsockopt(s, IPPROTO_UDP, UDP_GRO, &one, sizeof one) != 0) return fail("UDP_GRO");
        }
        return receive(s, raw, argv[2]);
    }
    return send_for(s, raw, atof(argv[4]), &address);
}
