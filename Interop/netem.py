#!/usr/bin/env python3
"""Delay and reordering for the interop harness, in place of tc netem (the kernel here has
no sch_netem). Loss and duplication need no program: lib.sh does them with iptables'
`statistic` match and `TEE` target.

Run it inside a network namespace; an iptables rule sends that namespace's packets to it:

    iptables -A OUTPUT -o VETH -p udp -j NFQUEUE --queue-num N
    netem.py --queue N --delay 200 --jitter 50        # every packet 150-250 ms late
    netem.py --queue N --reorder 0.5                   # half the packets overtaken by the next one

It speaks nfnetlink_queue (include/uapi/linux/netfilter/nfnetlink_queue.h) over an
AF_NETLINK socket, Python standard library only: bind the queue, ask for whole packets,
and answer each with an NF_ACCEPT verdict later (verdicts may come in any order, so the
packets leave in the order of their verdicts). It never alters or drops a packet.
--reorder holds a packet back until the next one has been accepted (at most --hold ms).
On SIGTERM/SIGINT it releases what it holds, prints one JSON line of counters and exits.
"""
import argparse
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_PACKET = 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
AF_INET = 2


def attribute(kind, payload):
    """One netlink attribute: length, type, payload, padded to 4 bytes."""
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


class Queue:
    """One bound nfnetlink queue."""

    def __init__(self, number):
        self.number = number
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 0))
        self.config(attribute(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, AF_INET)))
        # Copy the whole packet (64 KiB); packets are not altered, only the verdict matters.
        self.config(attribute(NFQA_CFG_PARAMS, struct.pack("!IB", 0xFFFF, NFQNL_COPY_PACKET)))

    def send(self, msg_type, attributes, flags=NLM_F_REQUEST):
        self.seq += 1
        body = struct.pack("!BBH", AF_INET, 0, self.number) + attributes   # nfgenmsg, res_id = queue
        header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, self.seq, 0)
        self.sock.send(header + body)

    def config(self, attributes):
        """A config command, acknowledged by the kernel: fails loudly (e.g. EPERM, queue taken)."""
        self.send(NFQNL_MSG_CONFIG, attributes, NLM_F_REQUEST | NLM_F_ACK)
        data = self.sock.recv(65536)
        _, kind, _, _, _ = struct.unpack_from("=IHHII", data)
        if kind == NLMSG_ERROR:
            error = struct.unpack_from("=i", data, 16)[0]
            if error:
                raise OSError(-error, "nfnetlink_queue config: " + os.strerror(-error))

    def packets(self):
        """The packet ids in one read from the socket."""
        data = self.sock.recv(1 << 17)
        offset = 0
        while offset + 16 <= len(data):
            length, kind, _, _, _ = struct.unpack_from("=IHHII", data, offset)
            if length < 16:
                break
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                at = offset + 20                     # after nlmsghdr and nfgenmsg
                while at + 4 <= offset + length:
                    alen, atype = struct.unpack_from("=HH", data, at)
                    if alen < 4:
                        break
                    if atype & 0x7FFF == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, at + 4)[0]
                        break
                    at += (alen + 3) & ~3
            offset += (length + 3) & ~3

    def accept(self, packet_id):
        self.send(NFQNL_MSG_VERDICT, attribute(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queue", type=int, required=True, help="NFQUEUE number")
    p.add_argument("--delay", type=float, default=0, help="added delay in ms")
    p.add_argument("--jitter", type=float, default=0, help="uniform jitter in ms (+-)")
    p.add_argument("--reorder", type=float, default=0, help="probability that a packet is overtaken by the next")
    p.add_argument("--hold", type=float, default=100, help="longest a reordered packet waits for a successor, ms")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ready", help="file to write our pid to once the queue is bound")
    args = p.parse_args()

    # A mask inherited from the parent (libdispatch threads block everything) must not hide SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    rng = random.Random(args.seed)
    queue = Queue(args.queue)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write(f"{os.getpid()}\n")
    stats = {"packets": 0, "delayed": 0, "reordered": 0}
    due = []          # heap of (release time, order, packet id)
    order = 0
    held = None       # (deadline, packet id) overtaken by the next packet
    running = [True]
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: running.__setitem__(0, False))

    def release(packet_id, at):
        nonlocal order
        order += 1
        heapq.heappush(due, (at, order, packet_id))

    while running[0]:
        now = time.monotonic()
        while due and due[0][0] <= now:
            queue.accept(heapq.heappop(due)[2])
        if held and held[0] <= now:
            release(held[1], now)
            held = None
            continue
        deadlines = [d for d in (due[0][0] if due else None, held[0] if held else None) if d is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else 0.5
        try:
            readable, _, _ = select.select([queue.sock], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        now = time.monotonic()
        for packet_id in queue.packets():
            stats["packets"] += 1
            lateness = max(0.0, args.delay + rng.uniform(-args.jitter, args.jitter)) / 1000
            if lateness > 0:
                stats["delayed"] += 1
            if held:                          # the held packet leaves just after this one
                release(packet_id, now + lateness)
                release(held[1], now + lateness)
                stats["reordered"] += 1
                held = None
            elif args.reorder and rng.random() < args.reorder:
                held = (now + args.hold / 1000, packet_id)
            else:
                release(packet_id, now + lateness)
    if held:
        release(held[1], 0)
    for _, _, packet_id in sorted(due):
        queue.accept(packet_id)
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    try:
        main()
    except OSError as e:
        print(f"netem.py: {e}", file=sys.stderr)
        sys.exit(1)
