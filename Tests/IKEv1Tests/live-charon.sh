#!/bin/bash
# Runs LiveCharonTests against charon for several peer-up.sh variants, with namespace names and
# addresses of its own (so other suites can run beside it). Needs root and strongSwan; see
# shared/interop/README.md. Tear down with the same variables and shared/interop/teardown.sh.
export IKV1_NS_A=engA IKV1_NS_B=engB IKV1_IF_A=engA0 IKV1_IF_B=engB0 IKV1_ROOT_ADDR_A=198.18.77.1 IKV1_ROOT_ADDR_B=198.18.77.2 IKV1_STATE=/tmp/ikv1-engine
cd "$(dirname "$0")/../.."
INTEROP="$(cd "${IKV1_INTEROP:-../shared/interop}" && pwd)"
export IKV1_LIVE_PEERCTL=$INTEROP/peer-ctl.sh IKV1_LIVE_PEER=engpeer IKV1_LIVE_LOCAL=198.18.77.1 IKV1_LIVE_CHARON=198.18.77.2
run() { # name ike esp aggressive extra-peer-up-args...
  local name=$1 ike=$2 esp=$3 aggr=$4; shift 4
  local dpd=0; [[ " $* " == *" --dpd "* ]] && dpd=1
  "$INTEROP/peer-up.sh" --topology root --name engpeer --ike "$ike" --esp "$esp" "$@" >/dev/null 2>&1 || { echo "$name: peer-up failed"; return; }
  IKV1_LIVE_IKE=$ike IKV1_LIVE_ESP=$esp IKV1_LIVE_AGGRESSIVE=$aggr IKV1_LIVE_DPD=$dpd timeout 120 swift test --skip-build --filter LiveCharonTests 2>&1 | grep -E "✘|Test run" | sed "s/^/$name: /" | cut -c1-400
}
run default aes128-sha256-modp2048 aes128-sha256-modp2048 0
run 3des 3des-sha1-modp1024 3des-sha1-modp1024 0
run ecp384-gcm aes256-sha384-ecp384 aes256gcm16-ecp384 0
run sha512-nopfs aes192-sha512-modp3072 aes256-sha512 0
run aggressive aes128-sha256-modp2048 aes128-sha256 1 --aggressive --local-id @responder.example --remote-id @initiator.example
run encap aes128-sha256-ecp256 aes128-sha256 0 --encap yes
run dpd aes128-sha256-modp2048 aes128-sha256 0 --dpd 2s
"$INTEROP/teardown.sh" >/dev/null 2>&1
