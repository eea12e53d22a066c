#!/usr/bin/env bash
# Every interop scenario (run.sh) and fault scenario (faults.sh) in both roles; prints PASS/FAIL
# per run and "N passed, N failed".
# usage: Interop/all.sh [IKEV1_BINARY]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs=()
for s in main-psk aggressive-fqdn legacy-3des ecp384-gcm modp2048-ecp256 transport proposals-order rekey dpd \
         peer-delete restart-charon wrong-psk wireshark \
         cert-rsa cert-ecdsa cert-aggressive cert-wrong-ca cert-expired cert-id-mismatch; do runs+=("run.sh $s"); done
for s in loss30 dup reorder delay restart-mid kill-node qm3-lost; do runs+=("faults.sh $s"); done
passed=0; failed=0
for r in "${runs[@]}"; do
    script="${r% *}"; s="${r#* }"
    for role in initiator responder; do
        if out="$(timeout 180 "$here/$script" "$s" "$role" "$@" 2>&1)"; then
            passed=$((passed + 1)); echo "$out" | grep '^PASS' || echo "PASS $s $role"
        else
            failed=$((failed + 1)); echo "FAIL $s $role"; echo "$out" | tail -20 | sed 's/^/    /'
        fi
    done
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
