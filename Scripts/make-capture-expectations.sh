#!/bin/sh
# Regenerates Fixtures/capture-expectations/<name>.json from the captures under
# Fixtures/captures with tshark (run by hand; the tests never call tshark).
# Each JSON lists, per frame as tshark numbers them, the outermost IP header's
# src, dst, protocol (IPv6: the first next header that is not an extension
# header), IPv4 fragment facts, and UDP ports (only for unfragmented UDP).
# Usage: Scripts/make-capture-expectations.sh   (from the repository root)
set -eu
cd "$(dirname "$0")/.."
out=Fixtures/capture-expectations
mkdir -p "$out"
version=$(tshark --version 2>/dev/null | head -1)
find Fixtures/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort |
while read -r capture; do
    rel=${capture#Fixtures/captures/}
    name=$(printf '%s' "$rel" | tr '/' '_')
    tshark -r "$capture" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
        -T fields -E occurrence=f -E separator='|' \
        -e frame.number -e ip.src -e ip.dst -e ip.proto -e ip.flags.mf -e ip.frag_offset -e ip.id \
        -e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.hopopts.nxt -e ipv6.routing.nxt \
        -e ipv6.fraghdr.nxt -e ipv6.dstopts.nxt -e udp.srcport -e udp.dstport 2>/dev/null |
    python3 -c '
import json, sys
rel, version = sys.argv[1], sys.argv[2]
frames = []
for line in sys.stdin:
    (n, s4, d4, p4, mf, off, ident, s6, d6, nxt, hop, rt, frag, dst, sport, dport) = line.rstrip("\n").split("|")
    frame = {"frame": int(n)}
    if s4:
        frame.update(src=s4, dst=d4, proto=int(p4))
        fragmented = mf == "1" or (off not in ("", "0"))
        if fragmented:
            frame.update(mf=mf == "1", frag_offset=int(off), ip_id=int(ident, 16))
    elif s6:
        chain = [int(v) for v in (nxt, hop, rt, frag, dst) if v]
        final = next((v for v in chain if v not in (0, 43, 44, 60)), chain[-1] if chain else None)
        frame.update(src=s6, dst=d6, proto=final)
        fragmented = frag != ""
    else:
        fragmented = False
    if sport and frame.get("proto") == 17 and not fragmented:
        frame.update(sport=int(sport), dport=int(dport))
    frames.append(frame)
doc = {"capture": rel, "generator": version, "frame_count": len(frames), "frames": frames}
lines = ",\n    ".join(json.dumps(f, separators=(", ", ": ")) for f in frames)
print("{\"capture\": %s, \"generator\": %s, \"frame_count\": %d, \"frames\": [\n    %s\n]}"
      % (json.dumps(rel), json.dumps(version), len(frames), lines))
' "$rel" "$version" > "$out/$name.json"
    echo "$out/$name.json"
done
