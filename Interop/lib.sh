# shellcheck shell=bash
# The project's strongSwan interop harness: two network namespaces joined by a
# veth, charon (userland ESP, kernel-libipsec) in one, our ikev1 node in the other.
#
#   [netns $NS_US]  $IF_US 192.0.2.1/24 ==veth== $IF_PEER 192.0.2.2/24  [netns $NS_PEER]
#   lo: 198.51.100.1 (our protected host)                 lo: 203.0.113.1 (charon's)
#
# Sourced by run.sh, faults.sh, throughput.sh, and by ours.sh and nat.sh (two of our nodes,
# captures on the wire; nat.sh adds a router namespace); they set $here to this directory.
# Everything lives under $STATE; nothing leaves the namespaces.

NS_US="${IKEV1_NS_US:-ikv1us}"
NS_PEER="${IKEV1_NS_PEER:-ikv1peer}"
IF_US="${NS_US}0"
IF_PEER="${NS_PEER}0"
ADDR_US=192.0.2.1
ADDR_PEER=192.0.2.2
NET_US=198.51.100.0/24
HOST_US=198.51.100.1
NET_PEER=203.0.113.0/24
HOST_PEER=203.0.113.1
STATE="${IKEV1_INTEROP_STATE:-/tmp/ikev1-interop}"
CHARON="${IKEV1_CHARON:-/usr/lib/ipsec/charon}"
PSK="${IKEV1_INTEROP_PSK:-swift-ikev1-interop-psk}"

# IKEV1_DATA_THREADS=N: every node of ours with a TUN device runs N data threads (--data-threads).
tun_args=(--tun ikv1tun0)
[ -n "${IKEV1_DATA_THREADS:-}" ] && tun_args+=(--data-threads "$IKEV1_DATA_THREADS")

log() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# scenario_args SCENARIO ROLE [IKEV1_BINARY]: the arguments every scenario script takes. Sets
# scenario, role and bin (default: this checkout's debug build, which must exist).
scenario_args() {
    scenario="${1:?scenario}"; role="${2:?initiator|responder}"
    bin="${3:-$(dirname "${BASH_SOURCE[0]}")/../.build/debug/ikev1}"
    [ -x "$bin" ] || die "no ikev1 binary at $bin (swift build first)"
}

# Waits until "$@" succeeds, at most $1 seconds.
wait_for() {
    local limit="$1"; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# ns_add NETNS: a new namespace, lo up, IPv6 off.
ns_add() {
    ip netns add "$1"
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

net_up() {
    charon_down
    net_down
    ns_add "$NS_US"
    ns_add "$NS_PEER"
    ip link add "$IF_US" netns "$NS_US" type veth peer name "$IF_PEER" netns "$NS_PEER"
    ip -n "$NS_US" addr add "$ADDR_US/24" dev "$IF_US"
    ip -n "$NS_PEER" addr add "$ADDR_PEER/24" dev "$IF_PEER"
    ip -n "$NS_US" link set "$IF_US" up
    ip -n "$NS_PEER" link set "$IF_PEER" up
    ip -n "$NS_US" addr add "$HOST_US/32" dev lo
    ip -n "$NS_PEER" addr add "$HOST_PEER/32" dev lo
}

net_down() {
    ip netns del "$NS_US" 2>/dev/null || true
    ip netns del "$NS_PEER" 2>/dev/null || true
}

swanctl_peer() { timeout 20 swanctl "$@" --uri "unix://$STATE/charon/charon.vici"; }
swanctl_us() { timeout 20 swanctl "$@" --uri "unix://$STATE/charon-us/charon.vici"; }

# charon_up SWANCTL_CONF [INSTANCE NETNS]: a private charon (default: "charon" in $NS_PEER)
# with its own /run, config and log under $STATE/INSTANCE.
charon_up() {
    local instance="${2:-charon}" ns="${3:-$NS_PEER}"
    local st="$STATE/$instance"
    mkdir -p "$st/run"
    cat > "$st/strongswan.conf" <<CONF
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey aes sha1 sha2 md5 hmac gmp curve25519 kdf gcm xauth-generic kernel-libipsec kernel-netlink socket-default vici updown
    i_dont_care_about_security_and_use_aggressive_mode_psk = yes
    retransmit_tries = ${CHARON_RETRANSMIT_TRIES:-3}
    keep_alive = ${CHARON_KEEP_ALIVE:-20s}
    retransmit_timeout = ${CHARON_RETRANSMIT_TIMEOUT:-2.0}
    retransmit_base = ${CHARON_RETRANSMIT_BASE:-1.8}
    install_routes = yes
    threads = 16
    plugins {
        vici { socket = unix://$st/charon.vici }
    }
    filelog {
        interop {
            path = $st/charon.log
            time_format = %H:%M:%S
            flush_line = yes
            default = 1
            ike = 2
            chd = 2
            cfg = 2
            knl = 1
        }
    }
    syslog { daemon { default = -1 } }
}
CONF
    rm -f "$st/charon.vici" "$st/charon.log"
    setsid ip netns exec "$ns" sh -c 'mount --bind "$1" /run && STRONGSWAN_CONF="$2" exec "$3"' \
        charon "$st/run" "$st/strongswan.conf" "$CHARON" > "$st/charon.stdout" 2>&1 < /dev/null &
    echo $! > "$st/pid"
    local uri="unix://$st/charon.vici"
    wait_for 15 timeout 5 swanctl --stats --uri "$uri" || { cat "$st/charon.stdout" >&2; die "charon $instance did not start"; }
    # swanctl reads credentials (x509/, x509ca/, private/) from the directory of the file it loads:
    # the instance's own, which pki_install_charon fills.
    mkdir -p "$st/swanctl"
    [ "$1" -ef "$st/swanctl/swanctl.conf" ] || cp "$1" "$st/swanctl/swanctl.conf"
    timeout 20 swanctl --load-all --noprompt --clear --file "$st/swanctl/swanctl.conf" --uri "$uri" > "$st/load.out" 2>&1 \
        || { cat "$st/load.out" >&2; die "swanctl --load-all failed for $instance"; }
}

# Kills charon without a Delete (the peer "dies").
charon_down_hard() {
    local pid; pid="$(cat "$STATE/charon/pid" 2>/dev/null || true)"
    if [ -n "$pid" ]; then pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$STATE/charon/pid"
}

charon_down() {
    local st="$STATE/${1:-charon}" pid
    pid="$(cat "$st/pid" 2>/dev/null || true)"
    [ -n "$pid" ] || return 0
    # The pid recorded is that of the ip-netns-exec wrapper, which exec'd charon.
    kill -TERM "$pid" 2>/dev/null || true
    wait_for 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$st/pid"
}

# swanctl_conf FILE KEY=VALUE...: one IKEv1 connection "peer" with child "net"; PSK, or with
# auth=pubkey the certificate cert= (a file in the instance's swanctl x509/ directory, see
# pki_install_charon) and identities that may be DNs ("C=CH, O=..., CN=...").
swanctl_conf() {
    local out="$1"; shift
    local aggressive=no ike=aes128-sha256-modp2048 esp=aes128-sha256-modp2048 mode=tunnel encap=no
    local local_id="$ADDR_PEER" remote_id="$ADDR_US" dpd=0s dpd_timeout=150s child_life=3600s child_rekey=3000s remote_addrs="$ADDR_US"
    local psk="$PSK" local_addrs="$ADDR_PEER" ts_local="$NET_PEER" ts_remote="$NET_US"
    local auth=psk cert="" send_cert=ifasked send_certreq=yes reauth=4h ike_rekey=0s ike_over=""
    local child_rand=0s dpd_action=clear close_action=none start_action=none unique=no fragmentation=yes
    for kv in "$@"; do eval "${kv%%=*}='${kv#*=}'"; done
    if [ "$mode" = transport ]; then ts_local=dynamic; ts_remote=dynamic; fi
    local local_auth="auth = psk
                id = $local_id" remote_auth="auth = psk
                 id = $remote_id" secrets="ike-peer {
        id-a = $local_id
        id-b = $remote_id
        secret = \"$psk\"
    }"
    if [ "$auth" = pubkey ]; then
        local_auth="auth = pubkey
                certs = $cert
                id = \"$local_id\""
        remote_auth="auth = pubkey
                 id = \"$remote_id\""
        secrets=""
    fi
    cat > "$out" <<CONF
connections {
    peer {
        version = 1
        aggressive = $aggressive
        local_addrs = $local_addrs
        remote_addrs = $remote_addrs
        proposals = $ike
        encap = $encap
        unique = $unique
        dpd_delay = $dpd
        dpd_timeout = $dpd_timeout
        rekey_time = $ike_rekey
        reauth_time = $reauth
        ${ike_over:+over_time = $ike_over}
        send_cert = $send_cert
        send_certreq = $send_certreq
        fragmentation = $fragmentation
        local { $local_auth }
        remote { $remote_auth }
        children {
            net {
                mode = $mode
                local_ts = $ts_local
                remote_ts = $ts_remote
                esp_proposals = $esp
                rekey_time = $child_rekey
                life_time = $child_life
                rand_time = $child_rand
                dpd_action = $dpd_action
                close_action = $close_action
                start_action = $start_action
            }
        }
    }
}
secrets {
    $secrets
}
CONF
}

# charon has an installed IPsec SA; one ping from our protected host to charon's goes through.
established() { grep -q INSTALLED <<< "$(swanctl_peer --list-sas 2>/dev/null)"; }
ping_ok() { ip netns exec "$NS_US" ping -n -c1 -W1 -I "$HOST_US" "$HOST_PEER"; }

# --- Fault injection (the kernel has no sch_netem) --------------------------------------------
# Every fault acts on the UDP packets (IKE on 500 and 4500, ESP-in-UDP) each namespace sends
# into the veth, so both directions see it, as with a netem qdisc on both veth ends:
#   loss:      iptables `statistic` match, random, then DROP
#   duplicate: iptables `statistic` + TEE to the other end (the clone is sent as well)
#   delay, reorder: NFQUEUE to Interop/netem.py, which issues the verdicts late or swapped

# fault_rules TABLE RULE...: the rule on the egress of each namespace's veth end ("@PEER@" is
# replaced by the address of the other end).
fault_rules() {
    local table="$1"; shift
    local ns if other
    for ns in "$NS_US" "$NS_PEER"; do
        if [ "$ns" = "$NS_US" ]; then if="$IF_US"; other="$ADDR_PEER"; else if="$IF_PEER"; other="$ADDR_US"; fi
        ip netns exec "$ns" iptables -w -t "$table" -A OUTPUT -o "$if" -p udp "${@//@PEER@/$other}" \
            || die "iptables failed in $ns (apt-get install iptables; the kernel needs xt_statistic, xt_TEE, xt_NFQUEUE)"
    done
}

fault_loss() { fault_rules filter -m statistic --mode random --probability "$1" -j DROP; }
fault_dup() { fault_rules mangle -m statistic --mode random --probability "$1" -j TEE --gateway @PEER@; }

# fault_netem NETEM-ARGS...: delay/reorder through netem.py in both namespaces.
fault_netem() {
    local ns
    for ns in "$NS_US" "$NS_PEER"; do
        rm -f "$STATE/netem-$ns.pid"
        ip netns exec "$ns" python3 "$here/netem.py" --queue 7 --ready "$STATE/netem-$ns.pid" "$@" \
            > "$STATE/netem-$ns.out" 2>&1 &
        wait_for 10 test -s "$STATE/netem-$ns.pid" || { cat "$STATE/netem-$ns.out" >&2; die "netem.py did not bind its queue in $ns"; }
    done
    fault_rules filter -j NFQUEUE --queue-num 7
}

# Packets the fault rules matched, summed over both namespaces.
fault_count() {
    local ns n=0 c
    for ns in "$NS_US" "$NS_PEER"; do
        for table in filter mangle; do
            c="$(ip netns exec "$ns" iptables -w -t "$table" -L OUTPUT -v -x -n 2>/dev/null | awk '/statistic|NFQUEUE/ { s += $1 } END { print s + 0 }')"
            n=$((n + c))
        done
    done
    echo "$n"
}

# Removes every fault; netem.py releases what it holds and its counters go to $STATE/netem-*.out.
faults_clear() {
    local ns pid
    for ns in "$NS_US" "$NS_PEER"; do
        ip netns exec "$ns" iptables -w -F OUTPUT 2>/dev/null || true
        ip netns exec "$ns" iptables -w -t mangle -F OUTPUT 2>/dev/null || true
        pid="$(cat "$STATE/netem-$ns.pid" 2>/dev/null || true)"
        if [ -n "$pid" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
            rm -f "$STATE/netem-$ns.pid"
        fi
    done
}

# --- SA state on both sides ---------------------------------------------------------------------
# One line per SA, from our point of view:  "ike CKY-I CKY-R"  and  "esp IN-SPI OUT-SPI".

# charon's ISAKMP SAs and IPsec SAs (charon's "in" is our "out"): every child SA with SPIs,
# INSTALLED or REKEYED (charon keeps a rekeyed SA installed until it expires). An IKE SA that
# is not ESTABLISHED is listed as "ike-STATE ...", so it never matches one of ours.
charon_sas() {
    swanctl_peer --list-sas 2>/dev/null | awk '
        /^[^ ].*: #[0-9]+, .*IKEv1/ {
            state = $3; sub(",", "", state); ci = $5; cr = $6; gsub(/_i\*?|_r\*?/, "", ci); gsub(/_i\*?|_r\*?/, "", cr)
            print (state == "ESTABLISHED" ? "ike" : "ike-" state), ci, cr; next }
        /^  [^ ].*: #[0-9]+, reqid/ { child = 1; next }
        child && $1 == "in" { cin = $2; sub(",", "", cin); next }
        child && $1 == "out" { cout = $2; sub(",", "", cout); print "esp", cout, cin; child = 0 }
    ' | sort
}

# Our node's SAs, from its log (NodeSession prints each SA created and deleted).
our_sas() {
    local log="$1"
    awk '
        function hex8(x) { sub(/^0x/, "", x); x = sprintf("%8s", x); gsub(/ /, "0", x); return x }
        /^ISAKMP SA [0-9a-f]+\/[0-9a-f]+ established/ { split($3, k, "/"); ike[k[1]] = k[2] }
        /^ISAKMP SA [0-9a-f]+ deleted/ { delete ike[$3] }
        /^IPsec SA installed: in 0x/ { esp[$5] = $7 }
        /^IPsec SA deleted: in 0x/ { i = $5; delete esp[i] }
        END {
            for (c in ike) print "ike", c, ike[c]
            for (i in esp) { o = esp[i]; sub(":", "", o); print "esp", hex8(i), hex8(o) }
        }
    ' "$log" | sort
}

# sas_agree LOG: both sides hold the same SAs (or none).
sas_agree() { [ "$(charon_sas)" = "$(our_sas "$1")" ]; }

# check_invariant LOG WHAT: waits (20 s at most) until both sides agree; prints the common state.
check_invariant() {
    local log="$1" what="$2"
    if ! wait_for 20 sas_agree "$log"; then
        { echo "charon:"; charon_sas; echo "ours:"; our_sas "$log"; } >&2
        die "$what: the two sides hold different SAs"
    fi
    charon_sas | awk '{ n[$1]++ } END { printf "%d ike, %d esp", n["ike"], n["esp"] }'
}

# --- Our node on both ends, and what is on the wire (ours.sh, nat.sh) --------------------------

node_pids=(); capture_pids=()

# node_start NETNS initiator|responder LOCAL PEER LOG ARGS...: our node in NETNS, in the
# background: `ikev1 connect` (initiator) or `ikev1 respond` (responder), both with TUN ikv1tun0.
# Its pid goes to node_pids, in start order.
node_start() {
    local ns="$1" role="$2" local_addr="$3" peer="$4" log="$5"; shift 5
    if [ "$role" = initiator ]; then
        ip netns exec "$ns" "$bin" connect --peer "$peer" --bind "$local_addr" "${tun_args[@]}" "$@" > "$log" 2>&1 &
    else
        ip netns exec "$ns" "$bin" respond --listen "$local_addr" --peer "$peer" "${tun_args[@]}" "$@" > "$log" 2>&1 &
    fi
    node_pids+=("$!")
    wait_for 10 grep -q "listening on\|initiating" "$log" || { cat "$log" >&2; die "our node in $ns did not start"; }
}

# node_stop PID: SIGTERM (the node sends Deletes), then waits; fails unless it exits 0.
node_stop() {
    local status=0
    kill -TERM "$1" 2>/dev/null || return 0
    wait "$1" || status=$?
    [ "$status" -eq 0 ] || die "our node $1 exited with $status after SIGTERM"
}

# nodes_kill: SIGTERM to every node still running (cleanup).
nodes_kill() { local p; for p in "${node_pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; node_pids=(); }

# installed LOG: our node has installed an IPsec SA.
installed() { grep -q "^IPsec SA installed" "$1"; }

# ping_count NETNS FROM TO N: how many of N pings came back.
ping_count() {
    # ping fails when nothing comes back (pipefail): its count is still the one printed.
    { ip netns exec "$1" ping -n -c "$4" -i 0.2 -W 1 -I "$2" "$3" || true; } | grep -oE '[0-9]+ received' | grep -oE '[0-9]+' || echo 0
}

# iperf_kbits CLIENT-NETNS CLIENT SERVER-NETNS SERVER SECONDS: kbit/s of an iperf3 TCP transfer
# (0: none); both ends bounded in time.
iperf_kbits() {
    local limit=$(( $5 + 10 ))
    ip netns exec "$3" timeout "$limit" iperf3 -s -1 -B "$4" > /dev/null 2>&1 &
    sleep 0.3
    ip netns exec "$1" timeout "$limit" iperf3 -c "$4" -B "$2" -t "$5" -J > "$STATE/iperf3.json" 2>/dev/null || true
    python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e3))' \
        "$STATE/iperf3.json" 2>/dev/null || echo 0
}

mbits() { awk -v k="$1" 'BEGIN { printf "%.1f Mbit/s", k / 1000 }'; }

# capture_start NETNS IF FILE [SNAPLEN]: tcpdump on IF, every packet (its first SNAPLEN bytes,
# default 160: the headers the checks read), until capture_stop.
capture_start() {
    rm -f "$3" "$3.out"
    ip netns exec "$1" tcpdump -i "$2" -n -U --immediate-mode -s "${4:-160}" -w "$3" > "$3.out" 2>&1 &
    capture_pids+=("$!")
    wait_for 10 grep -q "listening on" "$3.out" || { cat "$3.out" >&2; die "tcpdump did not start on $2 in $1"; }
}

capture_stop() {
    local p
    for p in "${capture_pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    capture_pids=()
}

# capture_count FILE FILTER: packets of FILE (complete or still being written) that match the
# pcap-filter(7) expression FILTER.
capture_count() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# pcap-filter expressions. ESP as IP protocol 50; ESP in UDP on 4500 (RFC 3948: neither the
# one-byte keepalive nor IKE behind the zero non-ESP marker; udp[] reads IPv4 only); the
# NAT-keepalive (RFC 3948 §2.3: one byte, 0xff).
WIRE_RAW_ESP='(ip proto 50 or ip6 proto 50)'
WIRE_AH='(ip proto 51 or ip6 proto 51)'
WIRE_UDP_ESP='(udp port 4500 and udp[4:2] > 16 and udp[8:4] != 0)'
WIRE_KEEPALIVE='(udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff)'
# The traffic the transport-mode scenarios send (TCP, ICMP/ICMPv6 echo) if it went in clear. An
# ICMP error is not that traffic: a host whose node has just stopped answers the peer's last ESP
# with port/protocol unreachable, in clear, as any host does.
WIRE_CLEAR_TRANSPORT='(tcp or icmp[icmptype] = icmp-echo or icmp[icmptype] = icmp-echoreply or (icmp6 and (ip6[40] = 128 or ip6[40] = 129)))'

# wireshark_check PCAP DIR LABEL: tshark, given only the two tables our node wrote to DIR
# (--export-wireshark), must decrypt every encrypted ISAKMP message of PCAP and open every ESP
# packet to ICMP with a good ICV, and decrypt nothing without them; prints what it decrypted.
wireshark_check() {
    local pcap="$1" dir="$2" label="$3" profile="$STATE/wireshark-profile" empty="$STATE/wireshark-empty"
    [ "$(wc -l < "$dir/ikev1_decryption_table")" -eq 1 ] || die "$label: not one ISAKMP SA in ikev1_decryption_table"
    [ "$(wc -l < "$dir/esp_sa")" -eq 2 ] || die "$label: not two ESP SAs in esp_sa"
    decrypted() { WIRESHARK_CONFIG_DIR="$1" tshark -r "$pcap" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l; }
    rm -rf "$profile" "$empty"; mkdir -p "$profile" "$empty"
    cp "$dir/ikev1_decryption_table" "$dir/esp_sa" "$profile/"
    printf 'esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n' | tee "$profile/preferences" > "$empty/preferences"
    # Every encrypted ISAKMP message must decrypt (HASH payloads travel only inside them here:
    # Main Mode 5/6, Quick Mode) and every ESP packet must open to ICMP with a good ICV.
    local encrypted esp isakmp isakmp0 icmp icmp0 good
    encrypted="$(decrypted "$profile" 'isakmp.flag_e == 1')"; esp="$(decrypted "$profile" 'esp')"
    isakmp="$(decrypted "$profile" 'isakmp.hash')"; isakmp0="$(decrypted "$empty" 'isakmp.hash')"
    icmp="$(decrypted "$profile" 'esp && icmp')"; icmp0="$(decrypted "$empty" 'esp && icmp')"
    good="$(decrypted "$profile" 'esp.icv_good == 1')"
    [ "$isakmp0" -eq 0 ] && [ "$icmp0" -eq 0 ] || die "$label: tshark decrypts without our tables ($isakmp0, $icmp0): the check proves nothing"
    [ "$encrypted" -ge 5 ] && [ "$isakmp" -eq "$encrypted" ] \
        || die "$label: tshark decrypted $isakmp of $encrypted encrypted ISAKMP messages with our table"
    [ "$esp" -ge 2 ] && [ "$icmp" -eq "$esp" ] && [ "$good" -eq "$esp" ] \
        || die "$label: of $esp ESP packets tshark decrypted $icmp to ICMP and $good had a good ICV with our table"
    echo "with our exported tables tshark decrypted $isakmp/$encrypted encrypted ISAKMP messages and $icmp/$esp ESP packets (ICV good), none without"
}
