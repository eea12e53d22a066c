#!/usr/bin/env bash
# Regenerates Fixtures/x509/ikev1-certs/: the certificates of the CERT payloads of
# public/zeek-spicy-ipsec ikev1-certs.pcap (inside encrypted Main Mode messages 5 and 6),
# extracted by tshark with Wireshark's own key table (not by our decoder), and what
# `openssl x509 -text` says about each. IKEv1ToolTests/DecodeCertificatesTests.swift
# checks `ikev1 decode`'s certificate report against these. Needs tshark, python3, openssl.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
capture="$root/Fixtures/captures/public/zeek-spicy-ipsec/traces/ikev1-certs.pcap"
out="$root/Fixtures/x509/ikev1-certs"
config="$(mktemp -d)"
trap 'rm -rf "$config"' EXIT
cp "$root/Fixtures/captures/public/wireshark/config/ikev1_decryption_table" "$config/"
mkdir -p "$out"
rm -f "$out"/frame*.der "$out"/frame*.txt
for frame in $(WIRESHARK_CONFIG_DIR="$config" tshark -r "$capture" -Y isakmp.cert.data -T fields -e frame.number 2>/dev/null); do
    # pos/size of each CERT payload's data within the "Decrypted IKE" data source, and that source's bytes.
    WIRESHARK_CONFIG_DIR="$config" tshark -r "$capture" -Y "frame.number==$frame" -T pdml 2>/dev/null |
        grep -o '<field name="isakmp.cert.data"[^>]*>' | sed 's/.* size="\([0-9]*\)" pos="\([0-9]*\)".*/\2 \1/' > "$config/fields"
    WIRESHARK_CONFIG_DIR="$config" tshark -r "$capture" -Y "frame.number==$frame" -x 2>/dev/null |
        sed -n '/^Decrypted IKE/,/^$/p' > "$config/hex"
    python3 - "$config/fields" "$config/hex" "$out" "$frame" <<'PY'
import sys
fields, hexdump, out, frame = sys.argv[1:]
data = bytearray()
for line in open(hexdump):
    parts = line.split("  ")
    if len(parts) > 1 and len(parts[0]) == 4:
        data += bytes.fromhex(parts[1])
for n, line in enumerate(open(fields)):
    pos, size = map(int, line.split())
    der = bytes(data[pos:pos + size])
    assert der[:2] == b"\x30\x82" and int.from_bytes(der[2:4], "big") + 4 == size, "not one DER certificate"
    open(f"{out}/frame{frame}-{n + 1}.der", "wb").write(der)
PY
done
for der in "$out"/frame*.der; do
    openssl x509 -inform DER -in "$der" -noout -text -nameopt oneline,-space_eq > "${der%.der}.txt"
done
{ tshark --version | head -1; openssl version; } > "$out/versions.txt"
ls "$out"
