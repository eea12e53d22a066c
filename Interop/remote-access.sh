#!/usr/bin/env bash
# Remote access (issue 16) against real clients and a real gateway, in the lab of
# Interop/remote-access/ (a copy of ../shared/interop/remote-access: lib.sh, conf/, vpnc/).
#
# usage: Interop/remote-access.sh SCENARIO initiator|responder [IKEV1_BINARY]
#   initiator: our client (ikev1 connect) against charon's XAUTH gateway
#       am-pull am-push mm-pull mm-push   group as ID_KEY_ID (AM) or MM; Mode Config pull or push:
#                                         virtual IP on our TUN, DNS/banner/split printed and given
#                                         to --updown, pings to the gateway's inner host
#       wrong-password                    a clear error, exit 1, nothing left on either side
#   responder: our gateway (ikev1 respond --xauth-users --pool ...) against real clients
#       vpnc-natt vpnc-force-natt         vpnc on a plain link (raw ESP) / floated to UDP 4500: its
#                                         script gets our pool's address, DNS, NBNS, banner, domain,
#                                         split include; pings through
#       vpnc-wrong-password               vpnc exits "authentication unsuccessful", no lease
#       charon-am charon-mm charon-am-push charon-mm-push
#                                         charon as XAUTH client (Life-Duration 0), pull or push
#       pool                              20 charon clients in turn, then at once, on a pool of 20: distinct
#                                         addresses, the 21st refused, an address freed by a Delete
#                                         reused, the leases of a client killed without Delete back
#                                         after DPD
# Needs root, strongswan-charon, swanctl, libcharon-extauth-plugins (xauth-generic), the unity
# plugin, vpnc, tshark (dumpcap), iproute2, ping. Prints "PASS <scenario> <role> ..." and exits 0,
# or FAIL and exits 1. Namespaces RA_NS_PREFIX* (default ikra-), state in RA_STATE.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scenario="${1:?scenario}"; role="${2:?initiator|responder}"
bin="${3:-$here/../.build/debug/ikev1}"
[ -x "$bin" ] || { echo "no ikev1 binary at $bin (swift build first)" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export RA_NS_PREFIX="${RA_NS_PREFIX:-ikra-}" RA_STATE="${RA_STATE:-/tmp/ikev1-ra-interop}"
export RA_VPNC_DH=dh14 RA_CL_IKE=aes256-sha1-modp2048 RA_CL_ESP=aes256-sha1
# shellcheck source=remote-access/lib.sh
. "$here/remote-access/lib.sh"
# IKEV1_DATA_THREADS=N: our nodes run N data threads (--data-threads), as in lib.sh.
threads=()
[ -n "${IKEV1_DATA_THREADS:-}" ] && threads=(--data-threads "$IKEV1_DATA_THREADS")

fail() { ra_log "FAIL $scenario $role: $*"; echo "FAIL $scenario $role: $*"; exit 1; }
# A previous run killed halfway leaves its recorded processes and namespaces: ours to clean.
ra_need_root
ra_cleanup_all >/dev/null 2>&1 || true
rm -rf "$RA_STATE"; mkdir -p "$RA_STATE"
ra_begin "$scenario"
RA_OWN_GW=yes
out="$RA_STATE/ours.out"
updown_log="$RA_STATE/updown.log"
# Each run's lines reach the log in one write: the checks wait for "reason=..." and then read the
# variables below it, which a write of the header alone, ahead of the sorted variables, let them
# read before they were there.
cat > "$RA_STATE/updown.sh" <<EOF
#!/bin/sh
tmp="$updown_log.\$\$"
{ echo "=== reason=\$reason"; env | grep -E '^(VPNGATEWAY|TUNDEV|INTERNAL_IP|CISCO_|IPSEC_)' | sort; } > "\$tmp"
cat "\$tmp" >> "$updown_log"; rm -f "\$tmp"
EOF
chmod +x "$RA_STATE/updown.sh"
pool_net="$(echo "${RA_POOL%%-*}" | sed 's/[0-9/]*$//')"   # 10.99.0.
in_pool() { case "$1" in "$pool_net"*) return 0 ;; *) return 1 ;; esac; }
pings() { ip netns exec "$1" ping -n -c "${2:-3}" -i 0.3 -W 2 "$RA_GW_INNER" 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p'; }

# ---------------------------------------------------------------- our client vs charon's gateway
client_scenario() {
    local exchange="$1" mode="$2" password="$3" ns="${RA_NS_PREFIX}us" tun="${RA_NS_PREFIX}tun0" pid vip n
    RA_GW=charon RA_GW_MODECFG="$mode" ra_gateway_up
    ra_client_netns_up "$ns" 9
    local am=(); [ "$exchange" = am ] && am=(--aggressive)
    PSK="$RA_GROUP_PSK" XPW="$password" ip netns exec "$ns" "$bin" connect --peer "$RA_GW_ADDR" "${am[@]}" \
        --local-id "keyid:$RA_GROUP" --psk-env PSK --xauth-user "$RA_USER" --xauth-password-env XPW --modecfg "$mode" \
        --esp aes128-sha256 --tun "$tun" "${threads[@]}" --updown "$RA_STATE/updown.sh" > "$out" 2>&1 &
    pid=$!
    ra_record_pid "$pid" ikev1-connect
    if [ "$password" != "$RA_PASS" ]; then
        local rc=0
        for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && fail "our client still runs 20 s after a wrong password"
        wait "$pid" || rc=$?
        [ "$rc" -ne 0 ] || fail "our client exited 0 after a wrong password"
        grep -q "XAUTH: the gateway rejected user $RA_USER" "$out" || fail "no clear XAUTH error: $(tail -3 "$out")"
        ip -n "$ns" -4 addr show 2>/dev/null | grep -q "$pool_net" && fail "a virtual IP is left on our side"
        for _ in $(seq 50); do [ -z "$(ra_swanctl gw --list-sas 2>/dev/null)" ] && break; sleep 0.1; done
        [ -z "$(ra_swanctl gw --list-sas 2>/dev/null)" ] || fail "charon still holds an SA: $(ra_swanctl gw --list-sas)"
        echo "PASS $scenario $role (exit $rc: $(grep -m1 -o 'XAUTH: the gateway rejected user [a-z]*' "$out"); nothing left on either side)"
        return
    fi
    ra_wait_log "$out" "IPsec SA installed" 20 "$pid" || fail "no IPsec SA: $(tail -5 "$out")"
    ra_wait_log "$updown_log" "reason=connect" 5 || fail "the updown script did not run"
    vip="$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$updown_log" | head -1)"
    in_pool "$vip" || fail "virtual IP '$vip' is not from charon's pool $RA_POOL"
    ip -n "$ns" -4 addr show dev "$tun" | grep -q "inet $vip/32" || fail "$vip is not on $tun"
    for want in "received INTERNAL_IP4_DNS=$RA_DNS" "received UNITY_BANNER=\"$RA_BANNER\"" "received UNITY_SPLIT_INCLUDE=$RA_INNER_NET"; do
        grep -qF "$want" "$out" || fail "not printed: $want"
    done
    for want in "INTERNAL_IP4_DNS=$RA_DNS" "CISCO_BANNER=$RA_BANNER" "CISCO_SPLIT_INC_0_ADDR=${RA_INNER_NET%/*}" "TUNDEV=$tun"; do
        grep -qxF "$want" "$updown_log" || fail "updown environment lacks $want"
    done
    n="$(pings "$ns" 3)"
    [ "${n:-0}" -ge 2 ] || fail "$n/3 pings to $RA_GW_INNER"
    ra_swanctl gw --list-sas | grep -q "$vip" || fail "charon's SA does not name $vip"
    kill -TERM "$pid"; wait "$pid" || fail "our client exited non-zero on SIGTERM"
    grep -q "reason=disconnect" "$updown_log" || fail "no disconnect run of the updown script"
    for _ in $(seq 50); do [ -z "$(ra_swanctl gw --list-sas 2>/dev/null)" ] && break; sleep 0.1; done
    [ -z "$(ra_swanctl gw --list-sas 2>/dev/null)" ] || fail "charon still holds an SA after our Delete"
    echo "PASS $scenario $role (virtual IP $vip, DNS $RA_DNS, banner and split $RA_INNER_NET printed and passed to updown, $n/3 pings)"
}

# ---------------------------------------------------------------- our gateway vs real clients
gateway_up() {   # [--modecfg push] [more flags]
    RA_GW=none ra_gateway_up
    printf '%s:%s\nbob:bob-pass\n' "$RA_USER" "$RA_PASS" > "$RA_STATE/users"
    PSK="$RA_GROUP_PSK" setsid ip netns exec "$RA_GW_NS" "$bin" respond --listen "$RA_GW_ADDR" --aggressive \
        --remote-id "keyid:$RA_GROUP" --psk-env PSK --xauth-users "$RA_STATE/users" --pool "$RA_POOL" \
        --dns "$RA_DNS" --nbns "$RA_NBNS" --banner "$RA_BANNER" --default-domain "$RA_DOMAIN" --local-ts "$RA_INNER_NET" \
        --ike aes256-sha1-modp2048,aes128-sha256-modp2048 --esp aes256-sha1,aes128-sha256 --tun "${RA_NS_PREFIX}gw0" "${threads[@]}" \
        --updown "$RA_STATE/updown.sh" "$@" > "$out" 2>&1 < /dev/null &
    ra_record_pid $! ikev1-respond gw
    ra_wait_log "$out" "^listening on" 10 $! || fail "our gateway did not start: $(cat "$out")"
}

vpnc_scenario() {
    local mode="$1" password="$2" ns="${RA_NS_PREFIX}vpnc" d="$RA_STATE/vpnc" vip n proto count
    gateway_up
    ra_client_netns_up "$ns" 2
    mkdir -p "$d"
    ra_capture_start "$ns" cl0 "$d/cl0.pcap"
    RA_PASS="$password" ra_vpnc_start "$ns" "$mode" "$d"
    local pid=$RA_PID
    if [ "$password" != "$RA_PASS" ]; then
        ra_wait_log "$d/vpnc.log" "authentication unsuccessful" 20 || fail "vpnc did not say 'authentication unsuccessful': $(tail -3 "$d/vpnc.log")"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && fail "vpnc still runs after the failure"
        ra_wait_log "$out" "ISAKMP SA .* deleted: XAUTH of user $RA_USER failed" 10 || fail "our gateway did not delete the SA: $(tail -3 "$out")"
        grep -q "leased" "$out" && fail "an address was leased"
        echo "PASS $scenario $role (vpnc: $(grep -m1 -o 'authentication unsuccessful' "$d/vpnc.log"); our gateway: STATUS=FAIL, Delete, no lease)"
        return
    fi
    ra_wait_log "$d/script.log" "reason=connect" 20 "$pid" || fail "vpnc did not connect: $(grep -E '^vpnc:' "$d/vpnc.log" | tail -3)"
    sleep 0.5
    vip="$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$d/script.log" | head -1)"
    in_pool "$vip" || fail "vpnc's INTERNAL_IP4_ADDRESS '$vip' is not from our pool $RA_POOL"
    for want in "INTERNAL_IP4_DNS=$RA_DNS" "INTERNAL_IP4_NBNS=$RA_NBNS" "CISCO_BANNER=$RA_BANNER" "CISCO_DEF_DOMAIN=$RA_DOMAIN" \
                "CISCO_SPLIT_INC=1" "CISCO_SPLIT_INC_0_ADDR=${RA_INNER_NET%/*}" "CISCO_SPLIT_INC_0_MASKLEN=${RA_INNER_NET#*/}"; do
        grep -qxF "$want" "$d/script.log" || fail "vpnc's script did not get $want"
    done
    n="$(pings "$ns" 5)"
    [ "${n:-0}" -ge 4 ] || fail "$n/5 pings through"
    grep -q "virtual IP $vip leased to user $RA_USER" "$out" || fail "our gateway did not report the lease"
    ra_stop_pid "$pid" vpnc
    ra_capture_stop "$d/cl0.pcap"
    if [ "$mode" = natt ]; then proto="raw ESP"; count="$(tshark -r "$d/cl0.pcap" -Y 'ip.proto==50' 2>/dev/null | wc -l)"
    else proto="ESP in UDP 4500"; count="$(tshark -r "$d/cl0.pcap" -Y 'udp.port==4500 && esp' 2>/dev/null | wc -l)"; fi
    [ "$count" -ge 8 ] || fail "only $count packets of $proto on the wire"
    ra_wait_log "$out" "virtual IP $vip released" 10 || fail "the lease of $vip was not released after vpnc's Delete"
    echo "PASS $scenario $role (vpnc got $vip, DNS, NBNS, banner, domain, split include; $n/5 pings; $count packets of $proto; lease released)"
}

charon_client_scenario() {
    local conn="$1" pull="$2" ns="${RA_NS_PREFIX}swan" vip n rc=0
    if [ "$pull" = no ]; then gateway_up --modecfg push; else gateway_up; fi
    ra_client_netns_up "$ns" 5
    ra_cl_render_daemon swan
    ra_charon_start swan "$ns" "$RA_STATE/swan/strongswan.conf"
    ra_require_plugins swan xauth-generic unity kernel-libipsec
    ra_cl_render_conns "$RA_STATE/swan/swanctl.conf" "$pull"
    ra_swanctl swan --load-all --noprompt --clear --file "$RA_STATE/swan/swanctl.conf" > /dev/null 2>&1
    ra_swanctl swan --initiate --ike "$conn" --child ra --timeout 20 > "$RA_STATE/swan/initiate.out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || fail "swanctl --initiate: rc $rc: $(grep -E 'failed|error|no ' "$RA_STATE/swan/initiate.out" | tail -3)"
    vip="$(ip -n "$ns" -4 addr show dev ipsec0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p' | head -1)"
    in_pool "$vip" || fail "charon's virtual IP '$vip' is not from our pool"
    n="$(pings "$ns" 5)"
    [ "${n:-0}" -ge 4 ] || fail "$n/5 pings through"
    ra_swanctl swan --terminate --ike "$conn" --timeout 10 > /dev/null 2>&1 || true
    ra_wait_log "$out" "virtual IP $vip released" 10 || fail "the lease of $vip was not released"
    echo "PASS $scenario $role (charon $conn pull=$pull got $vip, $n/5 pings, lease released)"
}

# 20 charon XAUTH clients in one namespace (one charon, 21 source addresses) against our pool of 20.
pool_scenario() {
    local ns="${RA_NS_PREFIX}swan" i vips free rc
    RA_POOL=10.99.0.10-10.99.0.29
    pool_net=10.99.0.
    gateway_up --dpd 2
    ra_client_netns_up "$ns" 5
    for i in $(seq 1 21); do ip -n "$ns" addr add "${RA_NET24}.$((100 + i))/24" dev cl0; done
    ra_cl_render_daemon swan
    sed -i 's/threads = 16/threads = 32/' "$RA_STATE/swan/strongswan.conf"
    ra_charon_start swan "$ns" "$RA_STATE/swan/strongswan.conf"
    ra_cl_render_conns "$RA_STATE/swan/one.conf" yes
    # Connection ra-amN: ra-am from source address .(100+N).
    { echo "connections {"
      for i in $(seq 1 21); do
          sed -n '/^    ra-am {/,/^    }/p' "$RA_STATE/swan/one.conf" \
              | sed "s/^    ra-am {/    ra-am$i {\n        local_addrs = ${RA_NET24}.$((100 + i))/"
      done
      echo "}"; sed -n '/^secrets {/,$p' "$RA_STATE/swan/one.conf"; } > "$RA_STATE/swan/swanctl.conf"
    ra_swanctl swan --load-all --noprompt --clear --file "$RA_STATE/swan/swanctl.conf" > "$RA_STATE/swan/load.out" 2>&1 \
        || fail "loading 21 client connections: $(tail -3 "$RA_STATE/swan/load.out")"
    count() { grep -c "$1" "$out" || true; }
    await() { for _ in $(seq 100); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1; }
    distinct() { ip -n "$ns" -4 addr show dev ipsec0 | sed -n 's/.*inet \(10\.99\.0\.[0-9]*\).*/\1/p' | sort -u | grep -c . || true; }
    # In turn: one after the other.
    for i in $(seq 1 20); do
        ra_swanctl swan --initiate --ike "ra-am$i" --child ra --timeout 20 > "$RA_STATE/swan/init$i.out" 2>&1 || fail "client $i of 20 in turn failed"
    done
    await 'leased to user' 20 || fail "our gateway reports $(count 'leased to user') leases for 20 clients in turn"
    [ "$(distinct)" -eq 20 ] || fail "20 clients in turn got $(distinct) distinct addresses"
    local started=()
    for i in $(seq 1 20); do ra_swanctl swan --terminate --ike "ra-am$i" --timeout 10 > /dev/null 2>&1 & started+=($!); done
    wait "${started[@]}" || true
    await 'virtual IP .* released' 20 || fail "after 20 Deletes $(count 'virtual IP .* released') leases released"
    # At once.
    started=()
    for i in $(seq 1 20); do
        ra_swanctl swan --initiate --ike "ra-am$i" --child ra --timeout 30 > "$RA_STATE/swan/init$i.out" 2>&1 &
        started+=($!)
    done
    wait "${started[@]}" || true
    await 'leased to user' 40 || fail "our gateway reports $(( $(count 'leased to user') - 20 )) leases for 20 clients at once"
    [ "$(distinct)" -eq 20 ] || fail "20 clients at once got $(distinct) distinct addresses"
    rc=0; ra_swanctl swan --initiate --ike ra-am21 --child ra --timeout 15 > "$RA_STATE/swan/init21.out" 2>&1 || rc=$?
    [ "$rc" -ne 0 ] || fail "the 21st client was not refused"
    grep -q "addressUnavailable: pool .* is exhausted" "$out" || fail "our gateway did not log the exhausted pool"
    free="$(grep 'leased to user' "$out" | sed -n '21s/.*virtual IP \([0-9.]*\) leased.*/\1/p')"
    i=""
    for c in $(seq 1 20); do ra_swanctl swan --list-sas --ike "ra-am$c" 2>/dev/null | grep -qF "[$free]" && { i=$c; break; }; done
    [ -n "$i" ] || fail "no client holds $free"
    ra_swanctl swan --terminate --ike "ra-am$i" --timeout 10 > /dev/null 2>&1 || true
    ra_wait_log "$out" "virtual IP $free released" 10 || fail "$free not released after the Delete"
    ra_swanctl swan --initiate --ike ra-am21 --child ra --timeout 20 > "$RA_STATE/swan/init21b.out" 2>&1 || fail "the 21st client failed after a Delete"
    ra_swanctl swan --list-sas --ike ra-am21 | grep -qF "[$free]" || fail "the 21st client did not get the freed $free"
    # charon dies without a Delete: DPD (every 2 s, 5 misses) returns all 20 leases.
    kill -KILL "$(cat "$RA_STATE/swan/charon.pidfile")" 2>/dev/null; pkill -KILL -P "$(cat "$RA_STATE/swan/charon.pidfile")" 2>/dev/null || true
    for _ in $(seq 300); do [ "$(count 'virtual IP .* released')" -ge 41 ] && break; sleep 0.1; done
    [ "$(count 'virtual IP .* released')" -ge 41 ] || fail "after DPD only $(( $(count 'virtual IP .* released') - 21 )) of 20 leases released"
    grep -q "deadPeer" "$out" || fail "no dead peer detected"
    echo "PASS $scenario $role (20 clients in turn, then at once: 20 distinct addresses each time; the 21st refused (pool exhausted); $free reused after a Delete; all 20 leases back after DPD)"
}

case "$role:$scenario" in
    initiator:am-pull) client_scenario am pull "$RA_PASS" ;;
    initiator:am-push) client_scenario am push "$RA_PASS" ;;
    initiator:mm-pull) client_scenario mm pull "$RA_PASS" ;;
    initiator:mm-push) client_scenario mm push "$RA_PASS" ;;
    initiator:wrong-password) client_scenario am pull "wrong-$RA_PASS" ;;
    responder:vpnc-natt) vpnc_scenario natt "$RA_PASS" ;;
    responder:vpnc-force-natt) vpnc_scenario force-natt "$RA_PASS" ;;
    responder:vpnc-wrong-password) vpnc_scenario natt "wrong-$RA_PASS" ;;
    responder:charon-am) charon_client_scenario ra-am yes ;;
    responder:charon-mm) charon_client_scenario ra-mm yes ;;
    responder:charon-am-push) charon_client_scenario ra-am no ;;
    responder:charon-mm-push) charon_client_scenario ra-mm no ;;
    responder:pool) pool_scenario ;;
    *) fail "unknown scenario $scenario for role $role" ;;
esac
