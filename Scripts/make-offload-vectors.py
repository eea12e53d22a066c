#!/usr/bin/env python3
"""Writes Fixtures/offload-vectors/scapy_offload.json: TUN offload cases built by scapy, for
IPsecNodeTests (SuperSegment, TCPCoalescer).

"segment" cases: a TCP or UDP super-segment as a TUN device with IFF_VNET_HDR hands it over
(one set of headers, up to 64 KiB of payload) with its virtio_net_hdr fields, and the packets
the kernel's GSO would make of it, each built by scapy as a packet of its own (scapy computes
lengths and checksums): IPv4 identification counting up from the first, TCP sequence numbers
advancing, FIN and PSH on the last segment only, CWR on the first only.

"too_big" cases: a packet too large for its SA's path and the ICMP answer the node writes back
into the TUN device: IPv4 "fragmentation needed" (type 3 code 4, next-hop MTU) quoting 548 bytes,
or ICMPv6 "Packet Too Big" quoting what fits in 1280 bytes, from the packet's destination.

"coalesce" cases: consecutive TCP segments (built one by one) and the one packet that carries
them all (built whole), with the virtio_net_hdr fields a GRO'd packet is written with.

Run: pip install scapy==2.8.0 && python3 Scripts/make-offload-vectors.py
"""
import json
import scapy
from scapy.layers.inet import IP, ICMP, TCP, UDP
from scapy.layers.inet6 import IPv6, ICMPv6PacketTooBig

TS = [("NOP", None), ("NOP", None), ("Timestamp", (0x01020304, 0x0a0b0c0d))]


def payload(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def ip_layer(version, **kw):
    if version == 4:
        return IP(src="198.51.100.7", dst="203.0.113.9", ttl=63, tos=0x10, flags="DF", **kw)
    return IPv6(src="2001:db8:1::7", dst="2001:db8:2::9", hlim=63, tc=0x10, fl=0x12345)


def tcp_packet(version, seq, flags, data, ip_id=0x1000, options=TS):
    kw = {"id": ip_id} if version == 4 else {}
    return bytes(ip_layer(version, **kw) / TCP(sport=40000, dport=5201, seq=seq, ack=0x55667788, flags=flags,
                                               window=502, options=options) / data)


def udp_packet(version, data, ip_id=0x2000):
    kw = {"id": ip_id} if version == 4 else {}
    return bytes(ip_layer(version, **kw) / UDP(sport=40001, dport=4789) / data)


def segment_case(name, version, proto, total, size, flags="A", options=TS, ecn=False):
    data = payload(total, len(name))
    if proto == "tcp":
        whole = tcp_packet(version, 1000, flags, data, options=options)
        ip_header = 20 if version == 4 else 40
        transport = len(bytes(TCP(options=options)))
        gso_type = 1 if version == 4 else 4
        offset = 16
    else:
        whole = udp_packet(version, data)
        ip_header = 20 if version == 4 else 40
        transport = 8
        gso_type = 5
        offset = 6
    segments = []
    count = (total + size - 1) // size
    for i in range(count):
        chunk = data[i * size:(i + 1) * size]
        if proto == "tcp":
            f = TCP(flags=flags).flags
            if i != count - 1:
                f &= ~0x09  # FIN, PSH only on the last
            if i != 0:
                f &= ~0x80  # CWR only on the first
            segments.append(tcp_packet(version, 1000 + i * size, int(f), chunk, ip_id=0x1000 + i, options=options))
        else:
            segments.append(udp_packet(version, chunk, ip_id=0x2000 + i))
    header = {"flags": 1, "gso_type": gso_type | (0x80 if ecn else 0), "hdr_len": ip_header + transport,
              "gso_size": size, "csum_start": ip_header, "csum_offset": offset}
    return {"name": name, "header": header, "packet": whole.hex(), "segments": [s.hex() for s in segments]}


def coalesce_case(name, version, sizes, last_flags="PA", options=TS):
    data = payload(sum(sizes), len(name))
    segments, at = [], 0
    for i, n in enumerate(sizes):
        flags = last_flags if i == len(sizes) - 1 else "A"
        segments.append(tcp_packet(version, 5000 + at, flags, data[at:at + n], ip_id=0x3000 + i, options=options))
        at += n
    merged = tcp_packet(version, 5000, last_flags, data, ip_id=0x3000, options=options)
    ip_header = 20 if version == 4 else 40
    header = {"flags": 1, "gso_type": 1 if version == 4 else 4, "hdr_len": ip_header + len(bytes(TCP(options=options))),
              "gso_size": sizes[0], "csum_start": ip_header, "csum_offset": 16}
    return {"name": name, "header": header, "segments": [s.hex() for s in segments], "merged": merged.hex()}


def too_big_case(name, version, mtu):
    if version == 4:
        original = tcp_packet(4, 1, "PA", payload(1448, 3))
        o = IP(original)
        answer = IP(src=o.dst, dst=o.src, ttl=64, id=0, flags=0, tos=0) / ICMP(type=3, code=4, nexthopmtu=mtu) / original[:548]
    else:
        original = tcp_packet(6, 1, "PA", payload(1428, 3))
        o = IPv6(original)
        answer = IPv6(src=o.dst, dst=o.src, hlim=64, tc=0, fl=0) / ICMPv6PacketTooBig(mtu=mtu) / original[:1232]
    return {"name": name, "mtu": mtu, "packet": original.hex(), "answer": bytes(answer).hex()}


document = {
    "generator": "scapy %s, Scripts/make-offload-vectors.py" % scapy.VERSION,
    "segment": [
        segment_case("tcp4-timestamps-psh-fin", 4, "tcp", 5000, 1448, flags="FPA"),
        segment_case("tcp4-cwr-ecn", 4, "tcp", 3000, 1000, flags="CA", ecn=True),
        segment_case("tcp4-exact-multiple-no-options", 4, "tcp", 2896, 1448, flags="A", options=[]),
        segment_case("tcp6-psh", 6, "tcp", 4000, 1200, flags="PA"),
        segment_case("tcp4-large", 4, "tcp", 64000, 1360, flags="PA"),
        segment_case("udp4", 4, "udp", 3000, 1200),
        segment_case("udp6", 6, "udp", 2500, 1232),
    ],
    "too_big": [
        too_big_case("ipv4-frag-needed", 4, 1423),
        too_big_case("ipv6-packet-too-big", 6, 1380),
    ],
    "coalesce": [
        coalesce_case("tcp4-four-segments-push-on-last", 4, [1448, 1448, 1448, 700]),
        coalesce_case("tcp6-three-segments", 6, [1200, 1200, 1200], last_flags="A"),
        coalesce_case("tcp4-no-options-full-64k", 4, [1460] * 44 + [800], last_flags="PA", options=[]),
    ],
}
with open("Fixtures/offload-vectors/scapy_offload.json", "w") as f:
    json.dump(document, f, indent=1)
    f.write("\n")
