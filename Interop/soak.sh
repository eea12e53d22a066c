#!/usr/bin/env bash
# Soak: a tunnel kept up across many ISAKMP and IPsec SA lifetimes, with traffic throughout.
#
# usage: Interop/soak.sh [SECONDS] [RUN...] [-- IKEV1_BINARY]
#   SECONDS  length of each run (default 150)
#   RUN      charon-initiator  our `connect` to charon (we renew our 30 s ISAKMP SAs)
#            charon-responder  charon initiates, our `respond --tun` answers (we renew nothing:
#                              the initiator renews; charon's IKE SA does not expire)
#            charon-reauth     as charon-responder, charon re-authenticating every 30 s (reauth_time)
#            ours-initiator    two of our nodes, ours in the first namespace initiates
#            ours-responder    two of our nodes, ours in the first namespace responds
#            (default: all five)
# Lifetimes on both sides: ISAKMP 30 s (ours; charon's reauth_time in charon-reauth, where ours is
# 40 s so that charon renews), IPsec 40 s (charon rekeys its own at 36 s, we at 28-34 s). As
# responder our node renews the ISAKMP SA only if the initiator has not, 26 s in. charon runs with unique = replace, the policy
# under which it adopts the IPsec SAs of an IKEv1 re-authentication. A ping every 0.2 s from our
# protected host to the peer's; every 10 s a sample of the ISAKMP and IPsec SA counts on both
# sides, our node's open file descriptors and RSS. Per run one line:
#   SOAK <run> <s> s: <lost>/<sent> pings lost (<%>), ISAKMP SAs at most <ours>/<peer>, IPsec SA
#   pairs at most <ours>/<peer>, fds <min>-<max>, RSS <min>-<max> KiB (from 20 s on) PASS|FAIL
# and PASS or FAIL against the targets: at most 0.5 % loss, never more than 2 ISAKMP SAs or 2
# IPsec SA pairs on either side, fds and RSS within 10 % from 20 s on. Exits 0 when every run passes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
seconds=150
case "${1:-}" in [0-9]*) seconds="$1"; shift ;; esac
runs=(); bin="$here/../.build/debug/ikev1"
while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then bin="$2"; shift 2; continue; fi
    runs+=("$1"); shift
done
[ ${#runs[@]} -gt 0 ] || runs=(charon-initiator charon-responder charon-reauth ours-initiator ours-responder)
[ -x "$bin" ] || die "no ikev1 binary at $bin (swift build first)"

cleanup() {
    [ -n "${ping_pid:-}" ] && kill "$ping_pid" 2>/dev/null || true
    nodes_kill
    charon_down
    net_down
}
trap cleanup EXIT
mkdir -p "$STATE"

ours_lifetimes=(--ike-lifetime 30 --esp-lifetime 40 --esp-rekey-margin 6)
# count_sas SAS-TEXT KIND: lines of that kind ("ike" or "esp").
count_sas() { grep -c "^$2 " <<< "$1" || true; }

soak_run() {
    local run="$1" log_us="$STATE/soak-us.log" log_peer="$STATE/soak-peer.log" peer_kind us_pid
    node_pids=()
    net_up
    printf '%s' "$PSK" > "$STATE/psk"
    local ts_us=(--local-ts "$NET_US" --remote-ts "$NET_PEER") ts_peer=(--local-ts "$NET_PEER" --remote-ts "$NET_US")
    local lifetimes=("${ours_lifetimes[@]}")
    case "$run" in
        charon-*)
            peer_kind=charon
            local theirs=(unique=replace child_life=40s child_rekey=36s)
            # charon re-authenticates at 27-30 s (reauth_time 30 s, rand_time 3 s); our ISAKMP lifetime
            # is longer there and we do not renew as responder, so that every replacement is charon's.
            [ "$run" = charon-reauth ] && { theirs+=(reauth=30s); lifetimes=(--ike-lifetime 40 --no-ike-rekey-responder "${lifetimes[@]:2}"); }
            swanctl_conf "$STATE/swanctl.conf" "${theirs[@]}"
            charon_up "$STATE/swanctl.conf"
            if [ "$run" = charon-initiator ]; then
                node_start "$NS_US" initiator "$ADDR_US" "$ADDR_PEER" "$log_us" --psk-file "$STATE/psk" "${ts_us[@]}" "${lifetimes[@]}"
            else
                node_start "$NS_US" responder "$ADDR_US" "$ADDR_PEER" "$log_us" --psk-file "$STATE/psk" "${ts_us[@]}" "${lifetimes[@]}"
                swanctl_peer --initiate --child net --timeout 20 > "$STATE/initiate.out" 2>&1 || true
            fi
            us_pid="${node_pids[0]}" ;;
        ours-initiator|ours-responder)
            peer_kind=ours
            local role=${run#ours-} other
            [ "$role" = initiator ] && other=responder || other=initiator
            # The responder listens before the initiator sends.
            if [ "$role" = responder ]; then
                node_start "$NS_US" responder "$ADDR_US" "$ADDR_PEER" "$log_us" --psk-file "$STATE/psk" "${ts_us[@]}" "${lifetimes[@]}"
                node_start "$NS_PEER" initiator "$ADDR_PEER" "$ADDR_US" "$log_peer" --psk-file "$STATE/psk" "${ts_peer[@]}" "${lifetimes[@]}"
                us_pid="${node_pids[0]}"
            else
                node_start "$NS_PEER" responder "$ADDR_PEER" "$ADDR_US" "$log_peer" --psk-file "$STATE/psk" "${ts_peer[@]}" "${lifetimes[@]}"
                node_start "$NS_US" initiator "$ADDR_US" "$ADDR_PEER" "$log_us" --psk-file "$STATE/psk" "${ts_us[@]}" "${lifetimes[@]}"
                us_pid="${node_pids[1]}"
            fi ;;
        *) die "unknown soak run $run" ;;
    esac
    wait_for 30 ping_ok || { tail -n 30 "$log_us" >&2; die "soak $run: no traffic through the tunnel at the start"; }

    local count=$((seconds * 5)) start samples="$STATE/soak-$run.samples"
    : > "$samples"
    ip netns exec "$NS_US" ping -n -q -c "$count" -i 0.2 -W 1 -I "$HOST_US" "$HOST_PEER" > "$STATE/soak-ping.out" 2>&1 &
    ping_pid=$!
    start=$(date +%s)
    local t=0 ours peer
    while kill -0 "$ping_pid" 2>/dev/null; do
        sleep 10
        t=$(( $(date +%s) - start ))
        ours="$(our_sas "$log_us")"
        if [ "$peer_kind" = charon ]; then peer="$(charon_sas)"; else peer="$(our_sas "$log_peer")"; fi
        echo "$t $(count_sas "$ours" ike) $(count_sas "$ours" esp) $(count_sas "$peer" ike) $(count_sas "$peer" esp)" \
             "$(ls "/proc/$us_pid/fd" 2>/dev/null | wc -l) $(awk '/^VmRSS/ { print $2 }' "/proc/$us_pid/status" 2>/dev/null || echo 0)" >> "$samples"
    done
    wait "$ping_pid" || true
    ping_pid=""
    local sent received
    sent="$(grep -oE '[0-9]+ packets transmitted' "$STATE/soak-ping.out" | grep -oE '^[0-9]+' || echo 0)"
    received="$(grep -oE '[0-9]+ received' "$STATE/soak-ping.out" | grep -oE '^[0-9]+' || echo 0)"
    cp "$log_us" "$STATE/soak-$run-us.log"
    [ "$peer_kind" = ours ] && cp "$log_peer" "$STATE/soak-$run-peer.log"
    [ "$peer_kind" = charon ] && cp "$STATE/charon/charon.log" "$STATE/soak-$run-charon.log"
    local renewals rekeys
    renewals="$(grep -cE '^ISAKMP SA [0-9a-f]+/[0-9a-f]+ established' "$log_us" || true)"
    rekeys="$(grep -c '^IPsec SA installed' "$log_us" || true)"
    nodes_kill
    charon_down
    net_down
    awk -v run="$run" -v s="$seconds" -v sent="$sent" -v got="$received" -v renewals="$renewals" -v rekeys="$rekeys" '
        { if ($2 > ike1) ike1 = $2; if ($3 > esp1) esp1 = $3; if ($4 > ike2) ike2 = $4; if ($5 > esp2) esp2 = $5
          if ($1 >= 20) { if (fmin == "" || $6 < fmin) fmin = $6; if ($6 > fmax) fmax = $6
                          if (rmin == "" || $7 < rmin) rmin = $7; if ($7 > rmax) rmax = $7 } }
        END {
            lost = sent - got; pct = sent > 0 ? 100 * lost / sent : 100
            ok = sent > 0 && pct <= 0.5 && ike1 <= 2 && ike2 <= 2 && esp1 <= 2 && esp2 <= 2 && fmin != "" \
                 && fmax <= fmin * 1.1 && rmax <= rmin * 1.1
            printf "SOAK %s %d s: %d/%d pings lost (%.2f %%), ISAKMP SAs at most %d/%d, IPsec SA pairs at most %d/%d (ours/peer), " \
                   "%d ISAKMP SAs and %d IPsec SAs established by our node, fds %s-%s, RSS %s-%s KiB (from 20 s on) %s\n",
                   run, s, lost, sent, pct, ike1, ike2, esp1, esp2, renewals, rekeys, fmin, fmax, rmin, rmax, ok ? "PASS" : "FAIL"
        }' "$samples"
}

failed=0
for run in "${runs[@]}"; do
    line="$(soak_run "$run")"
    echo "$line"
    case "$line" in *PASS) ;; *) failed=1 ;; esac
done
[ "$failed" -eq 0 ] && echo "PASS soak ${seconds} s: ${runs[*]}" || { echo "FAIL soak ${seconds} s"; exit 1; }
