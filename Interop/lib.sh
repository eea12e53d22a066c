# shellcheck shell=bash
# The project's strongSwan interop harness: two network namespaces joined by a
# veth, charon (userland ESP, kernel-libipsec) in one, our ikev1 node in the other.
#
#   [netns $NS_US]  $IF_US 192.0.2.1/24 ==veth== $IF_PEER 192.0.2.2/24  [netns $NS_PEER]
#   lo: 198.51.100.1 (our protected host)                 lo: 203.0.113.1 (charon's)
#
# Sourced by run.sh. Everything lives under $STATE; nothing leaves the namespaces.

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

log() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Waits until "$@" succeeds, at most $1 seconds.
wait_for() {
    local limit="$1"; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

net_up() {
    charon_down
    net_down
    for ns in "$NS_US" "$NS_PEER"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
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
    retransmit_tries = 3
    retransmit_timeout = 2.0
    retransmit_base = 1.8
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
    local local_id="$ADDR_PEER" remote_id="$ADDR_US" dpd=0s child_life=3600s child_rekey=3000s remote_addrs="$ADDR_US"
    local psk="$PSK" local_addrs="$ADDR_PEER" ts_local="$NET_PEER" ts_remote="$NET_US"
    local auth=psk cert="" send_cert=ifasked send_certreq=yes
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
        dpd_delay = $dpd
        rekey_time = 0s
        reauth_time = 4h
        send_cert = $send_cert
        send_certreq = $send_certreq
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
                rand_time = 0s
                dpd_action = clear
            }
        }
    }
}
secrets {
    $secrets
}
CONF
}
