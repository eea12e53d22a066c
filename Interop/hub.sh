#!/usr/bin/env bash
# A gateway, not a tunnel (issue 19): one `ikev1 run` node as hub, three spokes in namespaces of
# their own - two charons with different PSKs, identities and subnets, one of our nodes - all from
# one config file, then what an operator does with `ikev1 ctl`.
#
#   [netns $HUB] bridge 192.0.2.1/24, lo 198.51.100.1 (the hub's subnet 198.51.100.0/24)
#      |-- [netns ${HUB}a] 192.0.2.2, lo 10.2.0.1   charon, PSK "psk-a", @a.example, initiates
#      |-- [netns ${HUB}b] 192.0.2.3, lo 10.3.0.1   charon, PSK "psk-b", @b.example, the hub initiates
#      `-- [netns ${HUB}c] 192.0.2.4, lo 10.4.0.1   `ikev1 connect`, PSK "psk-c", @c.example
#
# Checks, in order: all three up at once from one file; pings from the hub's subnet to each
# spoke's; `ctl status` lists the three with the negotiated algorithms, `--json` parses; `ctl
# terminate spoke-b` removes only its SAs (charon b logs the Delete), `ctl initiate` brings it
# back; a reload that removes spoke-a and adds spoke-d keeps spoke-b's and spoke-c's cookies and
# SPIs and loses none of the pings sent through them meanwhile, and charon a gets the Delete; the
# added spoke-d is refused with a wrong PSK (AUTHENTICATION-FAILED) and comes up with its own; a
# reload of a broken file is refused with its line and changes nothing; charon a, now matching
# no connection, is told NO-PROPOSAL-CHOSEN while the others stay up; the control socket is
# root's (mode 600) and refuses user nobody and garbage; SIGTERM ends the hub with Deletes.
#
# usage: Interop/hub.sh spokes responder [IKEV1_BINARY]   (the arguments every scenario script takes;
#        needs root, iproute2, charon, swanctl, python3, setpriv). Prints "PASS hub ..." or "FAIL ..."; exits 0/1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
scenario_args "$@"
[ "$scenario $role" = "spokes responder" ] || die "the one scenario is: spokes responder"
HUB="${IKEV1_NS_HUB:-ikv1hub}"
CTL="$STATE/hub.ctl"
hub_log="$STATE/hub.log"
spokes=(a b c)
declare -A addr=([a]=192.0.2.2 [b]=192.0.2.3 [c]=192.0.2.4 [d]=192.0.2.5)

hub_down() {
    nodes_kill
    for s in a b; do charon_down "charon-$s"; done
    for s in "${spokes[@]}"; do ip netns del "$HUB$s" 2>/dev/null || true; done
    ip netns del "$HUB" 2>/dev/null || true
}
trap hub_down EXIT

hub_up() {
    hub_down
    ns_add "$HUB"
    ip -n "$HUB" link add "${HUB}br" type bridge
    ip -n "$HUB" addr add 192.0.2.1/24 dev "${HUB}br"
    ip -n "$HUB" link set "${HUB}br" up
    ip -n "$HUB" addr add 198.51.100.1/32 dev lo
    for s in "${spokes[@]}"; do
        local n="${addr[$s]##*.}"
        ns_add "$HUB$s"
        ip link add "$HUB$s" netns "$HUB" type veth peer name "${HUB}${s}0" netns "$HUB$s"
        ip -n "$HUB" link set "$HUB$s" master "${HUB}br" up
        ip -n "$HUB$s" addr add "${addr[$s]}/24" dev "${HUB}${s}0"
        ip -n "$HUB$s" link set "${HUB}${s}0" up
        ip -n "$HUB$s" addr add "10.$n.0.1/32" dev lo
    done
}

ctl() { "$bin" ctl --control "$CTL" "$@"; }
# json EXPR: evaluates a Python expression over `ctl status --json` (as `s`; `c` maps names to connections).
json() {
    ctl --json status | python3 -c "import json,sys; s=json.load(sys.stdin); c={x['name']: x for x in s['connections']}; print($1)"
}
up() { [ "$(json "len(c['$1']['ipsec_sas']) > 0")" = True ]; }
# sas NAME: the connection's cookies and SPIs.
sas() { json "[(i['cookie_i'], i['cookie_r']) for i in c['$1']['isakmp_sas']], [(i['inbound_spi'], i['outbound_spi']) for i in c['$1']['ipsec_sas']]"; }
pings() { ping_count "$HUB" 198.51.100.1 "10.${addr[$1]##*.}.0.1" "$2"; }

write_conf() {  # write_conf FILE CONNECTIONS...: the hub's config with those spokes
    local file="$1"; shift
    : > "$file"
    for s in "$@"; do
        local n="${addr[$s]##*.}" start=""
        [ "$s" = b ] && start="start_action = start"
        cat >> "$file" <<CONF
[conn spoke-$s]
local = 192.0.2.1
remote = ${addr[$s]}
local_id = @hub.example
remote_id = @$s.example
local_ts = 198.51.100.0/24
remote_ts = 10.$n.0.0/24
$start
CONF
    done
    printf '[secrets]\n@a.example = "psk-a"\n@b.example = "psk-b"\n@c.example = "psk-c"\n@d.example = "psk-d"\n' >> "$file"
}

mkdir -p "$STATE"
rm -f "$STATE"/hub*.log "$STATE"/hub*.conf "$CTL"
hub_up
write_conf "$STATE/hub.conf" a b c
ip netns exec "$HUB" "$bin" run --config "$STATE/hub.conf" --control "$CTL" "${tun_args[@]}" > "$hub_log" 2>&1 &
node_pids+=("$!")
hub_pid="$!"
wait_for 10 grep -q "^gateway on" "$hub_log" || { cat "$hub_log" >&2; die "the hub did not start"; }

# charon a initiates, charon b answers the hub; our spoke c initiates.
for s in a b; do
    n="${addr[$s]##*.}"
    start=none; [ "$s" = a ] && start=start
    swanctl_conf "$STATE/charon-$s.conf" local_addrs="${addr[$s]}" remote_addrs=192.0.2.1 local_id="@$s.example" \
        remote_id=@hub.example psk="psk-$s" ts_local="10.$n.0.0/24" ts_remote=198.51.100.0/24 start_action="$start"
    charon_up "$STATE/charon-$s.conf" "charon-$s" "$HUB$s"
done
printf 'psk-c' > "$STATE/psk-c"
ip netns exec "${HUB}c" "$bin" connect --peer 192.0.2.1 --bind 192.0.2.4 "${tun_args[@]}" --psk-file "$STATE/psk-c" \
    --local-id @c.example --remote-id @hub.example --local-ts 10.4.0.0/24 --remote-ts 198.51.100.0/24 > "$STATE/hub-spoke-c.log" 2>&1 &
node_pids+=("$!")

for s in a b c; do wait_for 40 up "spoke-$s" || { cat "$hub_log" >&2; die "spoke-$s did not come up"; }; done
log "all three spokes up at once"
for s in a b c; do [ "$(pings "$s" 3)" -ge 2 ] || die "no pings through spoke-$s"; done
text="$(ctl status)"
for s in a b c; do grep -q "spoke-$s (peer ${addr[$s]}): 1 ISAKMP SA" <<< "$text" || { echo "$text" >&2; die "status lacks spoke-$s"; }; done
[ "$(json "sorted({(i['encryption'], i['hash'], i['dh_group']) for x in s['connections'] for i in x['isakmp_sas']})")" = "[('aes', 'sha256', 14)]" ] \
    || die "status shows other IKE algorithms: $(json "[i['encryption'] for x in s['connections'] for i in x['isakmp_sas']]")"
[ "$(json "sorted({i['transform'] for x in s['connections'] for i in x['ipsec_sas']})")" = "['esp-aes esp-sha256-hmac']" ] \
    || die "status shows other ESP transforms"
log "pings through all three; status lists them with aes/sha256/group 14 and esp-aes esp-sha256-hmac; --json parses"

# terminate: only spoke-b's SAs go, charon b takes the Delete; initiate brings it back.
ctl terminate spoke-b > /dev/null
wait_for 15 sh -c "! timeout 5 swanctl --list-sas --uri unix://$STATE/charon-b/charon.vici | grep -q INSTALLED" || die "charon b kept its SA"
grep -q "received DELETE" "$STATE/charon-b/charon.log" || die "charon b logged no Delete"
up spoke-b && die "spoke-b still has SAs after terminate"
for s in a c; do up "spoke-$s" && [ "$(pings "$s" 2)" -ge 1 ] || die "spoke-$s suffered from terminating spoke-b"; done
ctl initiate spoke-b > /dev/null
wait_for 30 up spoke-b || die "initiate did not bring spoke-b back"
[ "$(pings b 3)" -ge 2 ] || die "no pings through spoke-b after initiate"
log "terminate spoke-b: only its SAs went (charon b took the Delete); initiate brought it back"

# reload: spoke-a out, spoke-d in; spoke-b and spoke-c keep cookies, SPIs and every ping.
before_b="$(sas spoke-b)"; before_c="$(sas spoke-c)"
write_conf "$STATE/hub2.conf" b c d
cp "$STATE/hub2.conf" "$STATE/hub.conf"
ping_count "$HUB" 198.51.100.1 10.3.0.1 25 > "$STATE/hub-ping-b" &
pb=$!
ping_count "$HUB" 198.51.100.1 10.4.0.1 25 > "$STATE/hub-ping-c" &
pc=$!
sleep 1
reply="$(ctl reload)" || die "reload refused: $reply"
grep -q "added spoke-d; removed spoke-a" <<< "$reply" || die "reload said: $reply"
wait "$pb" "$pc"
[ "$(cat "$STATE/hub-ping-b")" = 25 ] && [ "$(cat "$STATE/hub-ping-c")" = 25 ] \
    || die "pings lost across the reload: spoke-b $(cat "$STATE/hub-ping-b")/25, spoke-c $(cat "$STATE/hub-ping-c")/25"
[ "$(sas spoke-b)" = "$before_b" ] && [ "$(sas spoke-c)" = "$before_c" ] || die "the reload changed untouched SAs"
[ "$(json "sorted(c)")" = "['spoke-b', 'spoke-c', 'spoke-d']" ] || die "status after reload: $(json "sorted(c)")"
wait_for 15 sh -c "! timeout 5 swanctl --list-sas --uri unix://$STATE/charon-a/charon.vici | grep -q INSTALLED" || die "charon a kept its SA"
log "reload: spoke-a removed (charon a took the Delete), spoke-d added; spoke-b and spoke-c kept cookies and SPIs, 50/50 pings"

# spoke-d, added by the reload (192.0.2.5, on spoke c's link): a wrong PSK is refused and
# changes nothing else; the right one brings it up.
ip -n "${HUB}c" addr add 192.0.2.5/24 dev "${HUB}c0"
printf 'not-psk-d' > "$STATE/psk-wrong"; printf 'psk-d' > "$STATE/psk-d"
spoke_d() {
    ip netns exec "${HUB}c" "$bin" initiate --once --timeout 15 --peer 192.0.2.1 --bind 192.0.2.5 --psk-file "$1" \
        --local-id @d.example --remote-id @hub.example --local-ts 10.5.0.0/24 --remote-ts 198.51.100.0/24 --retransmit-tries 2
}
spoke_d "$STATE/psk-wrong" > "$STATE/hub-spoke-d-wrong.log" 2>&1 && die "spoke-d came up with a wrong PSK"
up spoke-d && die "the hub holds an SA for a wrong PSK"
for s in b c; do [ "$(pings "$s" 2)" -ge 1 ] || die "spoke-$s went down when spoke-d's PSK was refused"; done
spoke_d "$STATE/psk-d" > "$STATE/hub-spoke-d.log" 2>&1 || { cat "$STATE/hub-spoke-d.log" >&2; die "spoke-d did not come up with its PSK"; }
log "spoke-d (added by the reload): refused with a wrong PSK ($(grep -m1 -o 'failed: .*' "$STATE/hub-spoke-d-wrong.log" | cut -c1-90)), up with its own"

# a broken file is refused whole, with its line.
printf '[conn spoke-b]\nremote = 192.0.2.3\nproposals = aes128-sha256-modp2048\nmode = tunel\n' > "$STATE/hub.conf"
if reply="$(ctl reload)"; then die "a broken file was accepted"; fi
grep -q "line 4: mode is tunnel or transport, not tunel" <<< "$reply" || die "the refusal did not name the line: $reply"
[ "$(sas spoke-b)" = "$before_b" ] && [ "$(json "sorted(c)")" = "['spoke-b', 'spoke-c', 'spoke-d']" ] || die "a refused reload changed something"
cp "$STATE/hub2.conf" "$STATE/hub.conf"
log "a broken file: refused with 'line 4: mode is tunnel or transport, not tunel', nothing changed"

# charon a, now matching no connection, is refused with NO-PROPOSAL-CHOSEN; the others stay up.
timeout 20 swanctl --initiate --child net --uri "unix://$STATE/charon-a/charon.vici" > "$STATE/hub-a-again.out" 2>&1 || true
grep -q "NO_PROPOSAL_CHOSEN" "$STATE/charon-a/charon.log" || die "charon a was not told NO-PROPOSAL-CHOSEN"
grep -q "no connection accepts" "$hub_log" || die "the hub logged no refusal"
for s in b c; do [ "$(pings "$s" 2)" -ge 1 ] || die "spoke-$s went down when charon a was refused"; done
log "charon a, matching no connection: told NO-PROPOSAL-CHOSEN; spoke-b and spoke-c unaffected"

# the control socket is root's alone, and garbage gets an error, not a crash.
[ "$(stat -c '%a %u' "$CTL")" = "600 0" ] || die "control socket is $(stat -c '%a %u' "$CTL")"
if out="$(setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" ctl --control "$CTL" status 2>&1)"; then die "user nobody got an answer"; fi
grep -qi "permission denied" <<< "$out" || die "user nobody was told: $out"
garbage="$(python3 -c "
import socket; s = socket.socket(socket.AF_UNIX); s.connect('$CTL'); s.sendall(b'\x00\xffGET / HTTP/1.1\n'); print(s.recv(200).decode(errors='replace'))")"
grep -q "^IKEV1CTL/1 error" <<< "$garbage" || die "garbage got: $garbage"
ctl status > /dev/null || die "the node stopped answering after garbage"
log "control socket: mode 600 root, user nobody refused, garbage answered with an error"

kill -TERM "$hub_pid"
wait "$hub_pid" || die "the hub exited with $? after SIGTERM"
wait_for 15 sh -c "! timeout 5 swanctl --list-sas --uri unix://$STATE/charon-b/charon.vici | grep -q INSTALLED" || die "charon b kept its SA after the hub stopped"
echo "PASS hub: three spokes (2 charons, 1 ours) from one file, ctl status/terminate/initiate, reload without loss, refusals"
