#!/usr/bin/env bash
# Regenerate Fixtures/tshark/<capture path>.json from every capture under
# Fixtures/captures with tshark (Wireshark 4.0) and Scripts/tshark_reduce.py.
#
# usage: Scripts/tshark-expectations.sh [--out DIR] [--check] [CAPTURE-REL-PATH...]
#   --out DIR   write into DIR instead of Fixtures/tshark
#   --check     write into a temporary directory and diff against Fixtures/tshark
#               (exit 1 if any expectation differs; used to detect stale files)
#   CAPTURE...  paths relative to Fixtures/captures (default: all captures)
#
# tshark runs with an empty configuration directory, so personal preferences
# cannot change the result; the only non-default decode is the explicit
# "-d udp.port==4500,udpencap" (which is tshark's default anyway).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
caps="$root/Fixtures/captures"
out="$root/Fixtures/tshark"
check=0
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --check) check=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) files+=("$1"); shift ;;
    esac
done

command -v tshark >/dev/null || { echo "tshark not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 2; }

version="$(tshark --version 2>/dev/null | head -n1 | sed -E 's/^TShark \(Wireshark\) ([^ ]+).*/\1/')"
case "$version" in
    4.0.*) ;;
    *) echo "warning: expectations were made with tshark 4.0.x, this is $version" >&2 ;;
esac

if [ ${#files[@]} -eq 0 ]; then
    while IFS= read -r f; do files+=("$f"); done < <(
        cd "$caps" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) \
            | sed 's|^\./||' | LC_ALL=C sort)
fi

final="$out"
tmp=""
if [ $check -eq 1 ]; then
    tmp="$(mktemp -d)"
    out="$tmp/tshark"
fi
cfg="$(mktemp -d)"
trap 'rm -rf "$cfg" ${tmp:+"$tmp"}' EXIT

for rel in "${files[@]}"; do
    dest="$out/$rel.json"
    mkdir -p "$(dirname "$dest")"
    WIRESHARK_CONFIG_DIR="$cfg" tshark -n -r "$caps/$rel" -T json \
        -d udp.port==4500,udpencap 2>/dev/null \
        | python3 "$root/Scripts/tshark_reduce.py" --capture "$rel" --version "$version" --output "$dest"
done

if [ $check -eq 1 ]; then
    status=0
    for rel in "${files[@]}"; do
        if ! diff -u "$final/$rel.json" "$out/$rel.json"; then
            status=1
        fi
    done
    [ $status -eq 0 ] && echo "tshark expectations up to date (${#files[@]} captures, tshark $version)"
    exit $status
fi
echo "wrote ${#files[@]} files under $out (tshark $version)"
