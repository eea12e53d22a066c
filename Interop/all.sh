#!/usr/bin/env bash
# Every interop scenario in both roles; prints PASS/FAIL per run and "N passed, N failed".
# usage: Interop/all.sh [IKEV1_BINARY]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scenarios=(main-psk aggressive-fqdn legacy-3des ecp384-gcm modp2048-ecp256 transport proposals-order rekey dpd peer-delete restart-charon wrong-psk
           cert-rsa cert-ecdsa cert-aggressive cert-wrong-ca cert-expired cert-id-mismatch)
passed=0; failed=0
for s in "${scenarios[@]}"; do
    for role in initiator responder; do
        if out="$(timeout 180 "$here/run.sh" "$s" "$role" "$@" 2>&1)"; then
            passed=$((passed + 1)); echo "$out" | grep '^PASS' || echo "PASS $s $role"
        else
            failed=$((failed + 1)); echo "FAIL $s $role"; echo "$out" | tail -20 | sed 's/^/    /'
        fi
    done
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
