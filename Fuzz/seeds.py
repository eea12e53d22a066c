#!/usr/bin/env python3
"""Write libFuzzer seed inputs for one target from the project's Fixtures/.

usage: seeds.py TARGET FIXTURES_DIR OUT_DIR
Standard library only. Classic pcap with Ethernet or BSD-loopback link types is
enough to pull the ISAKMP datagrams out of the fixture captures.
"""
import hashlib, json, os, re, struct, sys


def pcap_udp_payloads(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return  # pcapng: the capture target covers it
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1 and len(frame) >= 14 and frame[12:14] == b"\x08\x00":
            ip = frame[14:]
        elif linktype == 0 and len(frame) >= 4:
            ip = frame[4:]
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport = struct.unpack(">HH", udp[:4])
        if 500 in (sport, dport) or 4500 in (sport, dport):
            yield udp[8:]


def write(out, blob):
    name = hashlib.sha1(blob).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)


def captures(fixtures):
    for dirpath, _, files in os.walk(os.path.join(fixtures, "captures")):
        for f in files:
            if f.endswith((".pcap", ".pcapng", ".cap")):
                yield os.path.join(dirpath, f)


CONFIG_EVERY_KEY = """[conn a]
local = 192.0.2.1:4500
remote = %any
local_id = @#0a0b0c
remote_id = user@example.org
psk_file = psk.txt
proposals = aes256-sha512-ecp384,3des-md5-modp1024
esp_proposals = aes128gcm16,aes256-sha1-modp2048
local_ts = 198.51.100.7
remote_ts = 0.0.0.0/0
mode = transport
aggressive = no
encap = yes
dpd_delay = 10s
ike_lifetime = 1d
esp_lifetime = 90m
legacy = true
aggressive_psk_responder = yes
tun_address = 198.51.100.1/32
[conn b]
remote = [2001:db8::2]:500
local_id = 2001:db8::1
psk_env = LAB_PSK
[conn c]
remote = 192.0.2.2
psk = 0x0011aabb
"""


def main():
    target, fixtures, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    if target == "capture":
        for c in captures(fixtures):
            write(out, open(c, "rb").read())
    elif target == "engine":
        pass  # the harness writes the real exchanges of its scenarios (run.sh: IKEV1_FUZZ_SEEDS)
    elif target == "config":
        readme = open(os.path.join(fixtures, "..", "README.md")).read()
        for block in re.findall(r"```[a-z]*\n(.*?)```", readme, re.S):
            if "[conn " in block:
                write(out, block.encode())
        write(out, CONFIG_EVERY_KEY.encode())
    elif target == "esp-open":
        for c in captures(fixtures):
            for payload in pcap_udp_payloads(c):
                if len(payload) > 8 and payload[:4] != b"\0\0\0\0":
                    for pick in (0, 1, 2):
                        write(out, bytes([pick]) + payload)
    elif target in ("isakmp", "payload-chain"):
        for c in captures(fixtures):
            for payload in pcap_udp_payloads(c):
                if payload[:4] == b"\0\0\0\0":
                    payload = payload[4:]
                if target == "isakmp":
                    write(out, payload)
                elif len(payload) >= 28 and not payload[19] & 1:
                    write(out, payload[16:17] + payload[28:])
    elif target == "fragment":
        # Records of the fragment target (Fuzz/README.md): control 0 (peer 0, no time step),
        # a 2-byte length, the ISAKMP bytes of each fragment message (Next Payload 132).
        for c in captures(fixtures):
            records = []
            for payload in pcap_udp_payloads(c):
                if payload[:4] == b"\0\0\0\0":
                    payload = payload[4:]
                if len(payload) >= 28 and payload[16] == 132:
                    records.append(b"\0" + struct.pack(">H", len(payload)) + payload)
            if records:
                write(out, b"".join(records))
                for r in records:
                    write(out, r)
    elif target == "proposal":
        words = set()
        for dirpath, _, files in os.walk(fixtures):
            for f in files:
                if f.startswith("swanctl") and f.endswith(".conf"):
                    for m in re.finditer(r"proposals\s*=\s*(\S+)", open(os.path.join(dirpath, f)).read()):
                        words.add(m.group(1))
        words |= {"aes128-sha256-modp2048", "aes256gcm16-ecp384", "3des-md5", "aes128-sha1-modp1024,3des-md5-modp768!",
                  "aes256-sha512-curve25519-esn", "aes128ctr-aesxcbc-modp2048s256", "null-sha1"}
        for w in words:
            write(out, w.encode())
    else:
        sys.exit(f"unknown target {target}")


if __name__ == "__main__":
    main()
