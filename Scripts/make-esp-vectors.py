#!/usr/bin/env python3
"""Writes Fixtures/esp-vectors/scapy_esp.json: ESP packets sealed by scapy's
independent RFC 4303 code (scapy.layers.ipsec) for the integrity algorithms and
options the Linux and strongSwan fixtures do not cover (HMAC-MD5-96,
HMAC-SHA2-384-192, HMAC-SHA2-512-256, NULL encryption, ESN with HMAC, IPv6
inner packets, transport mode). Run: pip install scapy==2.8.0 && python3 Scripts/make-esp-vectors.py
"""
import json
import scapy
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import SecurityAssociation, ESP

cases = [
    # crypt, crypt key, auth, auth key, mode, inner version, esn high bits, seq
    ("NULL", "", "SHA2-256-128", "11" * 32, "transport", 4, None, 1),
    ("AES-CBC", "000102030405060708090a0b0c0d0e0f", "HMAC-MD5-96", "22" * 16, "tunnel", 4, None, 3),
    ("AES-CBC", "00" * 32, "SHA2-512-256", "33" * 64, "tunnel", 6, 1, 9),
    ("AES-CTR", "44" * 32 + "01020304", "SHA2-384-192", "55" * 48, "tunnel", 4, None, 2),
    ("3DES", "66" * 24, "HMAC-SHA1-96", "77" * 20, "tunnel", 6, 5, 0xFFFFFFF0),
    ("AES-CTR", "88" * 16 + "0a0b0c0d", "HMAC-SHA1-96", "99" * 20, "transport", 6, 2, 4),
]
vectors = []
for crypt, ckey, auth, akey, mode, version, esn, seq in cases:
    if version == 4:
        inner = IP(src="10.0.0.1", dst="10.0.0.2", ttl=63) / UDP(sport=4000, dport=5000) / (b"esp vector payload " * 4)
        outer = IP(src="192.0.2.1", dst="192.0.2.2")
    else:
        inner = IPv6(src="2001:db8:1::1", dst="2001:db8:2::2") / UDP(sport=4000, dport=5000) / (b"esp vector payload " * 4)
        outer = IPv6(src="2001:db8::1", dst="2001:db8::2")
    inner = inner.__class__(bytes(inner))
    kwargs = dict(spi=0x0E5B0001, crypt_algo=crypt, crypt_key=bytes.fromhex(ckey) if ckey else None,
                  auth_algo=auth, auth_key=bytes.fromhex(akey))
    if mode == "tunnel":
        kwargs["tunnel_header"] = outer
    if esn is not None:
        kwargs["esn_en"] = True
        kwargs["esn"] = esn
    sa = SecurityAssociation(ESP, **kwargs)
    sealed = sa.encrypt(inner, seq_num=seq)
    sa.decrypt(sealed.__class__(bytes(sealed)))  # scapy checks its own ICV and padding
    raw = bytes(sealed)
    header = 20 if version == 4 else 40
    esp = raw[header:]  # the outer header (tunnel) or the original header (transport) comes first
    payload = bytes(inner) if mode == "tunnel" else bytes(inner)[header:]
    vectors.append({
        "encryption": crypt, "encryption_key": ckey, "integrity": auth, "integrity_key": akey,
        "mode": mode, "inner_ip_version": version, "esn_high": esn, "seq": seq,
        "next_header": (4 if version == 4 else 41) if mode == "tunnel" else 17,
        "payload": payload.hex(), "esp": esp.hex(),
    })

json.dump({
    "source": {"generator": "Scripts/make-esp-vectors.py", "scapy": scapy.__version__,
               "license": "scapy is GPL-2.0-only; the generated packets are data"},
    "description": "ESP packets (from the SPI) sealed by scapy; 'payload' is what opening must return (the inner packet in tunnel mode, the UDP segment in transport mode).",
    "vectors": vectors,
}, open("Fixtures/esp-vectors/scapy_esp.json", "w"), indent=1)
print(len(vectors), "vectors")
