#!/usr/bin/env python3
"""Echo packets of one IP protocol through a tunnel, for selectors such as [gre] (this kernel
has no GRE module, so GRE packets are made with raw sockets).

  proto-echo.py serve ADDR PROTO [SECONDS]   answer each packet to ADDR with the same payload
  proto-echo.py ping SRC DST PROTO [COUNT]   send COUNT packets from SRC, print "N/COUNT echoed"
                                             and exit 0 when every one came back

IPv4 only; the kernel writes the IP header. Standard library only."""
import os
import select
import socket
import sys
import time


def raw(addr: str, proto: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.bind((addr, 0))
    return s


def payload_of(packet: bytes) -> bytes:
    """An IPv4 raw socket hands over the IP header: skip it."""
    return packet[(packet[0] & 0x0F) * 4:]


def serve(addr: str, proto: int, seconds: float) -> int:
    s = raw(addr, proto)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], 0.2)
        if ready:
            packet, (source, _) = s.recvfrom(65535)
            body = payload_of(packet)
            if body.startswith(b"REQ"):
                s.sendto(b"ECH" + body[3:], (source, 0))
    return 0


def ping(src: str, dst: str, proto: int, count: int) -> int:
    s = raw(src, proto)
    echoed = 0
    for i in range(count):
        token = b"%08d%s" % (i, os.urandom(8).hex().encode())
        s.sendto(b"REQ" + token, (dst, 0))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            packet, (source, _) = s.recvfrom(65535)
            if source == dst and payload_of(packet) == b"ECH" + token:
                echoed += 1
                break
    print(f"{echoed}/{count} echoed")
    return 0 if echoed == count else 1


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "serve":
        return serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 60.0)
    if len(sys.argv) >= 5 and sys.argv[1] == "ping":
        return ping(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 3)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
