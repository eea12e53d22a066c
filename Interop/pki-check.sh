#!/usr/bin/env bash
# The certificate scenarios' PKI and charon configuration proven without our code: charon
# (as "us", in $NS_US) initiates to charon (in $NS_PEER) with the same certificates, identities
# and failure cases that run.sh's cert-* scenarios use.
#
# usage: Interop/pki-check.sh [CASE...]   cases: mm-rsa mm-ecdsa am-rsa wrong-ca expired id-mismatch
# Prints "PASS case (what charon logged)" per case; exits 1 on the first failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/pki.sh"

cleanup() { charon_down charon-us; charon_down; net_down; }
trap cleanup EXIT

mkdir -p "$STATE"
pki="$STATE/pki"
pki_make "$pki"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(mm-rsa mm-ecdsa am-rsa wrong-ca expired id-mismatch)

for c in "${cases[@]}"; do
    # peer: charon's leaf and identities; us: the initiating charon's; expect: ok or the refusal it logs.
    peer_leaf=peer-rsa us_leaf=us-rsa peer_id="$PKI_PEER_DN" us_id="$PKI_US_DN" expect_peer="$PKI_PEER_DN" extra=()
    expect=ok
    case "$c" in
        mm-rsa) ;;
        mm-ecdsa) peer_leaf=peer-ecdsa us_leaf=us-ecdsa peer_id=@peer.example us_id=@us.example expect_peer=@peer.example ;;
        am-rsa) extra=(aggressive=yes) peer_id="$ADDR_PEER" us_id="$ADDR_US" expect_peer="$ADDR_PEER" ;;
        wrong-ca) peer_leaf=peer-wrongca expect="no trusted RSA public key found for '$PKI_PEER_DN'" ;;
        expired) peer_leaf=peer-expired expect="certificate invalid (valid from" ;;
        # charon sends the ID payload "*.example" with its peer.example certificate; charon itself
        # accepts that (wildcard match), our node must not (RFC 4945 §3.5: exact match).
        id-mismatch) peer_id='@*.example' expect_peer=%any ;;
        *) die "unknown case $c" ;;
    esac
    net_up
    pki_install_charon "$pki" "$STATE/charon/swanctl" "$peer_leaf" root +inter
    pki_install_charon "$pki" "$STATE/charon-us/swanctl" "$us_leaf" root +inter
    swanctl_conf "$STATE/peer.conf" auth=pubkey cert="$peer_leaf.pem" local_id="$peer_id" remote_id="$us_id" "${extra[@]}"
    swanctl_conf "$STATE/us.conf" auth=pubkey cert="$us_leaf.pem" local_id="$us_id" remote_id="$expect_peer" \
        local_addrs="$ADDR_US" remote_addrs="$ADDR_PEER" ts_local="$NET_US" ts_remote="$NET_PEER" "${extra[@]}"
    charon_up "$STATE/peer.conf"
    charon_up "$STATE/us.conf" charon-us "$NS_US"
    swanctl_us --initiate --child net --timeout 15 > "$STATE/initiate.out" 2>&1 || true
    sas="$(swanctl_us --list-sas 2>/dev/null || true)"
    if [ "$expect" = ok ]; then
        grep -q INSTALLED <<< "$sas" || { cat "$STATE/initiate.out" >&2; die "$c: no SA"; }
        auth="$(grep -o "authentication of '[^']*' with [A-Z0-9_]* successful" "$STATE/charon-us/charon.log" | head -1)"
        [ -n "$auth" ] || die "$c: charon did not log a signature authentication"
        echo "PASS $c ($auth)"
    else
        grep -q INSTALLED <<< "$sas" && die "$c: an SA was installed"
        grep -qF "$expect" "$STATE/charon-us/charon.log" \
            || { grep -E "IKE|cert|trust|auth" "$STATE/charon-us/charon.log" | tail -20 >&2; die "$c: charon did not log: $expect"; }
        echo "PASS $c (refused: $expect)"
    fi
    charon_down charon-us; charon_down
done
