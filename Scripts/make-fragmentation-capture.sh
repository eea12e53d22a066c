#!/usr/bin/env bash
# Make Fixtures/captures/fragmentation/charon-force/: two strongSwan charons (the shared
# interop kit, ../shared/interop) negotiating Main Mode and Quick Mode with IKEv1
# fragmentation (payload 132) forced on both sides and a small fragment size, so that the
# capture holds fragmented cleartext (Main Mode 1-4) and encrypted (Quick Mode 1-2, on
# UDP 4500 behind the non-ESP marker) messages beside unfragmented ones.
#
# usage: Scripts/make-fragmentation-capture.sh [OUTDIR] [FRAGMENT_SIZE]
#   OUTDIR         default Fixtures/captures/fragmentation/charon-force
#   FRAGMENT_SIZE  charon's fragment_size (bytes of the whole IP datagram), default 200
#
# Needs root, strongswan-charon, strongswan-swanctl, libcharon-extra-plugins, tshark.
# The kit itself is not changed: its files are copied to a temporary directory and only
# two lines of the copies' templates differ (`fragmentation = force`, `fragment_size`).
# Its own namespaces (fgA/fgB), interfaces and state directory keep it apart from other
# users of the kit on the same machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit_src="${IKV1_INTEROP_KIT:-$root/../shared/interop}"
out="${1:-$root/Fixtures/captures/fragmentation/charon-force}"
size="${2:-200}"
[ -d "$kit_src" ] || { echo "no interop kit at $kit_src" >&2; exit 2; }

kit="$(mktemp -d)"
cp -r "$kit_src/." "$kit/"
sed -i 's/^\(\s*\)fragmentation = yes$/\1fragmentation = force/' "$kit/templates/swanctl.conf.in"
grep -q 'fragmentation = force' "$kit/templates/swanctl.conf.in"
sed -i "s/^\(\s*\)port_nat_t = @PORT_NATT@$/&\n\1fragment_size = $size/" "$kit/templates/strongswan.conf.in"
grep -q "fragment_size = $size" "$kit/templates/strongswan.conf.in"

export IKV1_NS_A=fgA IKV1_NS_B=fgB IKV1_IF_A=fgA0 IKV1_IF_B=fgB0 IKV1_STATE=/tmp/ikv1-frag
. "$kit/env.sh"
I=frag-initiator; R=frag-responder
work="$IKV1_STATE/work"
cleanup() {
    "$kit/capture-stop.sh" "$work/capture.pcap" >/dev/null 2>&1 || true
    "$kit/charon-down.sh" "$I" "$R" >/dev/null 2>&1 || true
    "$kit/netns-down.sh" >/dev/null 2>&1 || true
    rm -rf "$kit"
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work" "$out"

"$kit/netns-up.sh" pair
conf() { # file local remote local_ts remote_ts
    "$kit/render.sh" "$kit/templates/swanctl.conf.in" "$1" CONN=ikv1 CHILD=net AGGRESSIVE=no \
        LOCAL_ADDR="$2" REMOTE_ADDR="$3" LOCAL_ID="$2" REMOTE_ID="$3" LOCAL_TS="$4" REMOTE_TS="$5" \
        ENCAP=no CHILD_REKEY=1h CHILD_LIFE=66m DPD_DELAY=0s IKE_REKEY=4h IKE_OVER=10m \
        IKE_PROPOSALS=aes128-sha256-modp2048 ESP_PROPOSALS=aes128-sha256-modp2048 MODE=tunnel \
        START_ACTION=none PSK=ikev1-interop-test-psk UNIQUE=no
}
conf "$work/swanctl-initiator.conf" "$IKV1_ADDR_A" "$IKV1_ADDR_B" "$IKV1_NET_A" "$IKV1_NET_B"
conf "$work/swanctl-responder.conf" "$IKV1_ADDR_B" "$IKV1_ADDR_A" "$IKV1_NET_B" "$IKV1_NET_A"
"$kit/charon-up.sh" "$R" "$IKV1_NS_B" "$work/swanctl-responder.conf"
"$kit/charon-up.sh" "$I" "$IKV1_NS_A" "$work/swanctl-initiator.conf"
"$kit/capture-start.sh" "$IKV1_NS_A" "$IKV1_IF_A" "$work/capture.pcap"

sw() { local who="$1"; shift; timeout 30 swanctl "$@" --uri "unix://$IKV1_STATE/$who/charon.vici"; }
sw "$I" --initiate --child net --ike ikv1 --timeout 20 > "$work/initiate.out" 2>&1
ip netns exec "$IKV1_NS_A" ping -n -c 3 -i 0.3 -W 2 -I "$IKV1_HOST_A" "$IKV1_HOST_B" > "$work/ping.out"
{ echo "# initiator"; sw "$I" --list-sas; echo; echo "# responder"; sw "$R" --list-sas; } > "$work/list-sas.txt"
sw "$I" --terminate --ike ikv1 --timeout 10 > "$work/terminate.out" 2>&1 || true
sleep 0.5
"$kit/capture-stop.sh" "$work/capture.pcap"
"$kit/charon-down.sh" "$I" "$R"

cp "$work/capture.pcap" "$work/swanctl-initiator.conf" "$work/swanctl-responder.conf" "$work/list-sas.txt" "$out/"
cp "$IKV1_STATE/$I/strongswan.conf" "$out/strongswan-initiator.conf"
cp "$IKV1_STATE/$R/strongswan.conf" "$out/strongswan-responder.conf"
# What each charon says about fragments, and each message it sent or received.
for side in initiator responder; do
    grep -E 'fragment|splitting|sending packet|received packet|(generating|parsed) [A-Z_]+ (request|response)' \
        "$IKV1_STATE/frag-$side/charon.log" > "$out/charon-$side.fragments.log" || true
done
{
    echo "charon: $("$IKV1_CHARON" --version 2>&1 | head -1)"
    echo "tshark: $(tshark --version 2>/dev/null | head -1)"
    echo "fragment_size: $size"
    echo "ping: $(grep -o '[0-9]* received' "$work/ping.out") of 3"
    echo "date: $(date -u +%Y-%m-%d)"
} > "$out/made-with.txt"
echo "written to $out" >&2
