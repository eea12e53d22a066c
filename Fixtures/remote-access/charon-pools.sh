#!/usr/bin/env bash
# Loads address pools into a bare charon and writes what it makes of them to
# charon-pools.txt (swanctl --list-pools: name, base, online / offline / size), the
# reference AddressPoolTests compares our pool sizes with. Needs root and strongSwan;
# charon runs in its own network namespace (rh-pool-PID) and is stopped by its PID.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
st="$(mktemp -d /tmp/ra-pool.XXXXXX)"
ns="rh-pool-$$"
pools=(
    "198.18.0.0/28" "198.18.0.5/28" "198.18.0.0/30" "198.18.0.0/31" "198.18.0.1/31" "198.18.0.7/32"
    "198.18.0.255/24" "198.18.0.10-198.18.0.20" "198.18.0.10-198.18.0.10" "10.0.0.0/8" "0.0.0.0/0"
    "2001:db8::/126" "2001:db8::/64" "2001:db8::10-2001:db8::20" "2001:db8::8/125"
)
cat > "$st/strongswan.conf" <<EOC
charon {
    load_modular = no
    load = random nonce openssl kernel-netlink socket-default vici attr
    port = 0
    port_nat_t = 0
    plugins { vici { socket = unix://$st/charon.vici } }
    filelog { log { path = $st/charon.log
                    default = 1 } }
}
swanctl { socket = unix://$st/charon.vici }
EOC
{ echo "pools {"; i=0; for p in "${pools[@]}"; do echo "  p$i { addrs = $p }"; i=$((i + 1)); done; echo "}"; } > "$st/swanctl.conf"
ip netns add "$ns"
cleanup() {
    set +e
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && sleep 0.5
    ip netns del "$ns"
    [ -n "${KEEP:-}" ] || rm -rf "$st"
}
trap cleanup EXIT
# A private /run, as the kit's lib.sh does: charon refuses to start while another one's pid file exists.
mkdir -p "$st/run"
STRONGSWAN_CONF="$st/strongswan.conf" setsid ip netns exec "$ns" sh -c 'mount --bind "$1" /run && exec /usr/lib/ipsec/charon' \
    rh-pool-charon "$st/run" > "$st/stdout" 2>&1 &
pid=$!
export STRONGSWAN_CONF="$st/strongswan.conf"
for _ in $(seq 100); do swanctl --stats --uri "unix://$st/charon.vici" > /dev/null 2>&1 && break; sleep 0.1; done
swanctl --load-pools --file "$st/swanctl.conf" --uri "unix://$st/charon.vici" > /dev/null
{
    echo "# swanctl --list-pools of strongSwan $(swanctl --version | awk '{print $NF}') for the pools below (made by charon-pools.sh)"
    i=0; for p in "${pools[@]}"; do echo "# p$i = $p"; i=$((i + 1)); done
    swanctl --list-pools --uri "unix://$st/charon.vici"
} > "$here/charon-pools.txt"
cat "$here/charon-pools.txt"
