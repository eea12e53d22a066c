#!/usr/bin/env python3
"""Writes Fixtures/ah-vectors/scapy_ah.json: AH packets sealed by scapy's
independent RFC 4302 implementation (scapy.layers.ipsec), for ESPTests.

Each vector: the original IP packet, the SA (SPI, algorithm, key, mode) and the
AH-protected packet scapy produced, plus the packet after a router changed
mutable fields (TTL / hop limit, TOS / traffic class), which must still verify.
Run: pip install scapy==2.8.0 && python3 Scripts/make-ah-vectors.py
"""
import json
import scapy
from scapy.layers.inet import IP, ICMP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import SecurityAssociation, AH

vectors = []
cases = [
    ("HMAC-SHA1-96", "0102030405060708090a0b0c0d0e0f1011121314", 12),
    ("SHA2-256-128", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 16),
    ("SHA2-512-256", "00" * 64, 32),
    ("HMAC-MD5-96", "00112233445566778899aabbccddeeff", 12),
]
for alg, key, icv in cases:
    for version in (4, 6):
        for mode in ("transport", "tunnel"):
            if version == 4:
                pkt = IP(src="192.0.2.1", dst="198.51.100.7", ttl=64, id=0x1234) / UDP(sport=1234, dport=5678) / (b"ah test payload " * 3)
                tunnel = IP(src="203.0.113.1", dst="203.0.113.2")
            else:
                pkt = IPv6(src="2001:db8::1", dst="2001:db8::7", hlim=64) / UDP(sport=1234, dport=5678) / (b"ah test payload " * 3)
                tunnel = IPv6(src="2001:db8:ffff::1", dst="2001:db8:ffff::2")
            pkt = pkt.__class__(bytes(pkt))
            sa = SecurityAssociation(AH, spi=0x00A0B0C0, auth_algo=alg, auth_key=bytes.fromhex(key),
                                     tunnel_header=tunnel if mode == "tunnel" else None)
            sealed = sa.encrypt(pkt, seq_num=7)
            raw = bytes(sealed)
            sealed_again = sealed.__class__(raw)
            if version == 4:
                sealed_again.ttl -= 1
                sealed_again.tos = 0x10
                sealed_again.chksum = None
            else:
                sealed_again.hlim -= 1
                sealed_again.tc = 0x30
            routed = bytes(sealed_again)
            # Independent check: scapy verifies its own packet after the mutable changes.
            sa.decrypt(sealed_again.__class__(routed))
            vectors.append({
                "algorithm": alg, "key": key, "icv_length": icv, "spi": "00a0b0c0", "seq": 7,
                "ip_version": version, "mode": mode,
                "original": bytes(pkt).hex(), "sealed": raw.hex(), "routed": routed.hex(),
            })

json.dump({
    "source": {"generator": "Scripts/make-ah-vectors.py", "scapy": scapy.__version__,
               "license": "scapy is GPL-2.0-only; the generated packets are data"},
    "description": "AH (RFC 4302) packets sealed by scapy's AH implementation; 'routed' has TTL/hop limit and TOS/traffic class changed in transit and still verifies in scapy.",
    "vectors": vectors,
}, open("Fixtures/ah-vectors/scapy_ah.json", "w"), indent=1)
print(len(vectors), "vectors")
