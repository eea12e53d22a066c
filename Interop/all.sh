#!/usr/bin/env bash
# Every interop scenario (run.sh), fault scenario (faults.sh) and ours-to-ours scenario (ours.sh)
# in both roles, IKE fragmentation against charon (fragmentation.sh), a gateway with three spokes (hub.sh), every NAT scenario (nat.sh; our node behind the NAT initiates), and remote access
# (remote-access.sh: our client against charon's XAUTH gateway, our gateway against vpnc and charon); prints
# PASS/FAIL per run and "N passed, N failed".
# usage: Interop/all.sh [IKEV1_BINARY]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs=()
both() { local script="$1" s; shift; for s in "$@"; do runs+=("$script $s initiator" "$script $s responder"); done; }
both run.sh main-psk aggressive-fqdn legacy-3des ecp384-gcm modp2048-ecp256 transport proposals-order rekey dpd \
    peer-delete restart-charon wrong-psk wireshark gre \
    cert-rsa cert-ecdsa cert-aggressive cert-wrong-ca cert-expired cert-id-mismatch
both faults.sh loss30 dup reorder delay restart-mid kill-node qm3-lost
both fragmentation.sh force
runs+=("hub.sh spokes responder")   # one `ikev1 run` hub, two charon spokes and one of ours
both ours.sh raw-tunnel raw-transport raw-tunnel-v6 encap-tunnel encap-transport raw-wireshark transport-wireshark raw-ah raw-ah-transport raw-gre raw-pmtu
for s in nat-ours nat-charon nat-transport; do runs+=("nat.sh $s initiator"); done
runs+=("nat.sh nat-charon responder")   # charon behind the NAT initiates to our node
for s in am-pull am-push mm-pull mm-push wrong-password; do runs+=("remote-access.sh $s initiator"); done
for s in vpnc-natt vpnc-force-natt vpnc-wrong-password charon-am charon-mm charon-am-push charon-mm-push pool; do
    runs+=("remote-access.sh $s responder")
done
passed=0; failed=0
for r in "${runs[@]}"; do
    read -r script s role <<< "$r"
    if out="$(timeout 180 "$here/$script" "$s" "$role" "$@" 2>&1)"; then
        passed=$((passed + 1)); echo "$out" | grep '^PASS' || echo "PASS $s $role"
    else
        failed=$((failed + 1)); echo "FAIL $s $role"; echo "$out" | tail -20 | sed 's/^/    /'
    fi
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
