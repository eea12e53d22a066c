#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include "socketbatch.h"

#if defined(__linux__)
unsigned long swift_ikev1_mmsghdr_stride(void) { return sizeof(struct mmsghdr); }

int swift_ikev1_recvmmsg(int fd, void *batch, unsigned int count) {
    int n = recvmmsg(fd, (struct mmsghdr *)batch, count, MSG_DONTWAIT, NULL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    return n;
}

int swift_ikev1_sendmmsg(int fd, void *batch, unsigned int count) {
    return sendmmsg(fd, (struct mmsghdr *)batch, count, MSG_DONTWAIT);
}
#else
/* struct mmsghdr's layout, for systems without it. */
struct entry {
    struct msghdr header;
    unsigned int length;
};

unsigned long swift_ikev1_mmsghdr_stride(void) { return sizeof(struct entry); }

int swift_ikev1_recvmmsg(int fd, void *batch, unsigned int count) {
    struct entry *entries = batch;
    unsigned int i = 0;
    for (; i < count; i++) {
        ssize_t n = recvmsg(fd, &entries[i].header, MSG_DONTWAIT);
        if (n < 0) {
            if (i > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            return -1;
        }
        entries[i].length = (unsigned int)n;
    }
    return (int)i;
}

int swift_ikev1_sendmmsg(int fd, void *batch, unsigned int count) {
    struct entry *entries = batch;
    unsigned int i = 0;
    for (; i < count; i++) {
        ssize_t n = sendmsg(fd, &entries[i].header, MSG_DONTWAIT);
        if (n < 0) {
            if (i > 0) break;
            return -1;
        }
        entries[i].length = (unsigned int)n;
    }
    return (int)i;
}
#endif
