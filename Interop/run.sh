#!/usr/bin/env bash
# One interop scenario between our ikev1 node and strongSwan's charon.
#
# usage: Interop/run.sh SCENARIO initiator|responder [IKEV1_BINARY]
#   initiator: our node initiates (ikev1 connect), charon responds
#   responder: charon initiates, our node responds (ikev1 respond --tun)
# Needs root, strongswan-charon, strongswan-swanctl, libcharon-extra-plugins
# (kernel-libipsec), iproute2, ping; iperf3 for the TCP transfer.
# Prints one line "PASS <scenario> <role> ..." or "FAIL ..." and exits 0/1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/pki.sh"
scenario_args "$@"

# Scenario table: charon's swanctl settings, our flags, and what --list-sas must show.
# Certificate scenarios (cert-*) name charon's leaf and trust anchors (pki_install_charon), the
# signature charon must log for our node, and for the failures the refusal our log must carry
# and the notify charon must receive.
ours=(); theirs=(); expect_ike=""; expect_esp=""; traffic=yes
pki="$STATE/pki"; charon_pki=(); expect_auth=""; refusal=""; notify=""
cert_rsa=(--cert "$pki/us-rsa-chain.pem" --key "$pki/us-rsa.key" --ca "$pki/root.pem" --ca "$pki/inter.pem")
cert_ecdsa=(--cert "$pki/us-ecdsa.pem" --key "$pki/us-ecdsa.key" --ca "$pki/root.pem")
case "$scenario" in
    main-psk)       theirs=(ike=aes128-sha256-modp2048 esp=aes128-sha256-modp2048)
                    ours=(--ike aes128-sha256-modp2048 --esp aes128-sha256-modp2048)
                    expect_ike="AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"; expect_esp="AES_CBC-128/HMAC_SHA2_256_128/MODP_2048" ;;
    aggressive-fqdn) theirs=(aggressive=yes local_id=@peer.example remote_id=@us.example)
                    ours=(--aggressive --local-id @us.example --remote-id @peer.example)
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128" ;;
    legacy-3des)    theirs=(ike=3des-sha1-modp1024 esp=3des-sha1-modp1024)
                    ours=(--ike 3des-sha1-modp1024 --esp 3des-sha1-modp1024 --legacy)
                    expect_ike="3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024"; expect_esp="3DES_CBC/HMAC_SHA1_96" ;;
    ecp384-gcm)     theirs=(ike=aes256-sha384-ecp384 esp=aes256gcm16-ecp384)
                    ours=(--ike aes256-sha384-ecp384 --esp aes256gcm16-ecp384)
                    expect_ike="AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384"; expect_esp="AES_GCM_16-256" ;;
    modp2048-ecp256) theirs=(ike=aes128-sha256-modp2048 esp=aes128-sha256-ecp256)
                    ours=(--ike aes128-sha256-modp2048 --esp aes128-sha256-ecp256)
                    expect_ike="MODP_2048"; expect_esp="ECP_256" ;;
    transport)      theirs=(mode=transport)
                    ours=(--transport)
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=transport ;;
    rekey)          # The initiator of the SA rekeys: we at 18 s of 20 s, or charon at 15 s.
                    if [ "$role" = initiator ]; then theirs=(child_life=40s child_rekey=30s); ours=(--esp-lifetime 20)
                    else theirs=(child_life=40s child_rekey=15s); ours=(--esp-lifetime 60); fi
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=rekey ;;
    dpd)            theirs=(dpd=2s)
                    ours=(--dpd 2)
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=dpd ;;
    peer-delete)    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=peer-delete ;;
    restart-charon) theirs=(dpd=2s)
                    ours=(--dpd 2)
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=restart ;;
    wrong-psk)      theirs=(psk=not-the-same-psk); traffic=wrong-psk ;;
    # A GRE-only SA pair (selectors [gre] on both sides): GRE through both ways, ICMP neither way.
    gre)            theirs=(ts_local="$NET_PEER[gre]" ts_remote="$NET_US[gre]")
                    ours=(--local-ts "$NET_US[gre]" --remote-ts "$NET_PEER[gre]")
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=gre ;;
    wireshark)      # Our key tables must let tshark decrypt a capture of the run.
                    ours=(--export-wireshark "$STATE/wireshark")
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; traffic=wireshark ;;
    proposals-order) theirs=(ike=aes256-sha256-modp2048,aes128-sha256-modp2048 esp=aes256-sha256,aes128-sha256)
                    ours=(--ike aes128-sha256-modp2048,aes256-sha256-modp2048 --esp aes128-sha256,aes256-sha256)
                    # The responder's own order decides (charon and us alike).
                    if [ "$role" = initiator ]; then expect_ike="AES_CBC-256"; expect_esp="AES_CBC-256"
                    else expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"; fi ;;
    # RSA-2048 through the intermediate CA, DN identities (ours defaults to our certificate's
    # subject). charon holds only the root: it verifies us through the intermediate we send.
    cert-rsa)       charon_pki=(peer-rsa root)
                    theirs=(auth=pubkey cert=peer-rsa.pem local_id="$PKI_PEER_DN" remote_id="$PKI_US_DN")
                    ours=("${cert_rsa[@]}" --remote-id "$PKI_PEER_DN")
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"
                    expect_auth="authentication of '$PKI_US_DN' with RSA_EMSA_PKCS1_NULL successful" ;;
    # P-256 leaves straight under the (ECDSA) root, FQDN identities matched to subjectAltNames.
    cert-ecdsa)     charon_pki=(peer-ecdsa root)
                    theirs=(auth=pubkey cert=peer-ecdsa.pem local_id=@peer.example remote_id=@us.example)
                    ours=("${cert_ecdsa[@]}" --local-id @us.example --remote-id @peer.example)
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"
                    expect_auth="authentication of 'us.example' with ECDSA_WITH_NULL successful" ;;
    # Aggressive Mode with RSA signatures and IP-address identities (subjectAltName IP).
    cert-aggressive) charon_pki=(peer-rsa root +inter)
                    theirs=(auth=pubkey cert=peer-rsa.pem aggressive=yes local_id="$ADDR_PEER" remote_id="$ADDR_US")
                    ours=("${cert_rsa[@]}" --aggressive --local-id "$ADDR_US" --remote-id "$ADDR_PEER")
                    expect_ike="AES_CBC-128"; expect_esp="AES_CBC-128"
                    expect_auth="authentication of '$ADDR_US' with RSA_EMSA_PKCS1_NULL successful" ;;
    # charon's certificate comes from a CA we do not trust.
    cert-wrong-ca)  charon_pki=(peer-wrongca root +inter)
                    theirs=(auth=pubkey cert=peer-wrongca.pem local_id="$PKI_PEER_DN" remote_id="$PKI_US_DN")
                    ours=("${cert_rsa[@]}" --remote-id "$PKI_PEER_DN")
                    traffic=refused; refusal="untrusted"; notify=INVALID_CERT_AUTHORITY ;;
    # charon's certificate expired in 2021.
    cert-expired)   charon_pki=(peer-expired root +inter)
                    theirs=(auth=pubkey cert=peer-expired.pem local_id="$PKI_PEER_DN" remote_id="$PKI_US_DN")
                    ours=("${cert_rsa[@]}" --remote-id "$PKI_PEER_DN")
                    traffic=refused; refusal="expired at 2021-01-01"; notify=INVALID_CERTIFICATE ;;
    # charon sends the ID "*.example" with its peer.example certificate (charon itself accepts that
    # as a wildcard match; RFC 4945 §3.5 wants the ID to be in the certificate, so we refuse).
    cert-id-mismatch) charon_pki=(peer-rsa root +inter)
                    theirs=(auth=pubkey cert=peer-rsa.pem local_id='@*.example' remote_id="$PKI_US_DN")
                    ours=("${cert_rsa[@]}" --remote-id %any)
                    traffic=refused; refusal="ID @\*.example does not match certificate"; notify=INVALID_ID_INFORMATION ;;
    *) die "unknown scenario $scenario" ;;
esac

cleanup() {
    [ -n "${capture_pid:-}" ] && kill -TERM "$capture_pid" 2>/dev/null || true
    [ -n "${node_pid:-}" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
    charon_down
    net_down
}
trap cleanup EXIT

mkdir -p "$STATE"
net_up
conf="$STATE/swanctl.conf"
swanctl_conf "$conf" "${theirs[@]}"
creds=(--psk-file "$STATE/psk")
if [ ${#charon_pki[@]} -gt 0 ]; then
    pki_make "$pki"
    pki_install_charon "$pki" "$STATE/charon/swanctl" "${charon_pki[@]}"
    creds=()
fi
charon_up "$conf"
printf '%s' "$PSK" > "$STATE/psk"

common=("${creds[@]}" --local-ts "$NET_US" --remote-ts "$NET_PEER" "${ours[@]}")
[ "$traffic" = transport ] || [ "$traffic" = gre ] && common=("${creds[@]}" "${ours[@]}")
nodelog="$STATE/node.log"
if [ "$traffic" = wireshark ]; then
    # Everything on the wire, from Main Mode message 1 on (Wireshark derives the IVs from it).
    rm -rf "$STATE/wireshark" "$STATE/wireshark.pcap"
    ip netns exec "$NS_PEER" dumpcap -q -P -i "$IF_PEER" -f udp -w "$STATE/wireshark.pcap" > "$STATE/dumpcap.out" 2>&1 &
    capture_pid=$!
    wait_for 10 test -s "$STATE/wireshark.pcap" || { cat "$STATE/dumpcap.out" >&2; die "wireshark $role: dumpcap did not start"; }
fi
if [ "$traffic" = wrong-psk ] || [ "$traffic" = refused ] && [ "$role" = initiator ]; then
    :
elif [ "$role" = initiator ]; then
    ip netns exec "$NS_US" "$bin" connect --peer "$ADDR_PEER" --bind "$ADDR_US" "${tun_args[@]}" "${common[@]}" > "$nodelog" 2>&1 &
else
    ip netns exec "$NS_US" "$bin" respond --listen "$ADDR_US" --peer "$ADDR_PEER" "${tun_args[@]}" "${common[@]}" > "$nodelog" 2>&1 &
    sleep 0.5
    swanctl_peer --initiate --child net --timeout 20 > "$STATE/initiate.out" 2>&1 || true
fi
node_pid=$!

if [ "$traffic" = wrong-psk ]; then
    if [ "$role" = initiator ]; then
        # Our initiator must give up with a clear reason (exit non-zero), never hang.
        ip netns exec "$NS_US" "$bin" initiate --once --timeout 40 --peer "$ADDR_PEER" --bind "$ADDR_US" "${common[@]}" \
            > "$STATE/wrong-psk.log" 2>&1 && die "wrong-psk initiator: ikev1 initiate succeeded with a wrong PSK"
    else
        wait_for 30 grep -q "failed:" "$nodelog" || { cat "$nodelog" >&2; die "wrong-psk responder: no failure reported"; }
        cp "$nodelog" "$STATE/wrong-psk.log"
    fi
    grep -q INSTALLED <<< "$(swanctl_peer --list-sas)" && die "wrong-psk $role: charon installed an SA"
    echo "PASS wrong-psk $role ($(grep -m1 -o 'failed: .*\|ikev1: .*' "$STATE/wrong-psk.log" | head -c 160))"
    exit 0
fi

# A certificate charon must not pass: our node refuses it with the reason in its log, charon
# receives the notify that reason warrants, and neither side keeps an SA.
if [ "$traffic" = refused ]; then
    if [ "$role" = initiator ]; then
        ip netns exec "$NS_US" "$bin" initiate --once --timeout 40 --peer "$ADDR_PEER" --bind "$ADDR_US" "${common[@]}" \
            > "$nodelog" 2>&1 && die "$scenario initiator: ikev1 initiate succeeded"
    else
        wait_for 30 grep -q "failed:" "$nodelog" || { cat "$nodelog" >&2; die "$scenario responder: no failure reported"; }
    fi
    grep -q "$refusal" "$nodelog" || { cat "$nodelog" >&2; die "$scenario $role: our log does not say \"$refusal\""; }
    wait_for 10 grep -q "received $notify error notify" "$STATE/charon/charon.log" \
        || { grep "notify\|DELETE" "$STATE/charon/charon.log" >&2; die "$scenario $role: charon did not receive $notify"; }
    no_sa() { local out; out="$(swanctl_peer --list-sas 2>/dev/null)" || return 1; ! grep -q "ESTABLISHED\|INSTALLED" <<< "$out"; }
    wait_for 15 no_sa || { swanctl_peer --list-sas >&2; die "$scenario $role: charon kept an SA"; }
    grep -q "IPsec SA installed\|ISAKMP SA established" "$nodelog" && die "$scenario $role: our node established an SA"
    echo "PASS $scenario $role ($(grep -m1 -o "failed: .*\|ikev1: .*\|Error: .*" "$nodelog" | head -c 200); charon got $notify)"
    exit 0
fi

# kernel-libipsec (the only ESP charon has on this kernel) implements tunnel mode only: it
# negotiates transport mode and then fails to add the SAD entry. What we can check is that
# Quick Mode completed on both sides and our node installed a transport-mode SA.
# As responder we install after QM3, which charon never sends: it fails to install after QM2 and
# sends NO-PROPOSAL-CHOSEN instead (as in Fixtures/captures/strongswan/main-mode-psk-port500).
if [ "$traffic" = transport ]; then
    wait_for 30 grep -q "failed to create SAD entry" "$STATE/charon/charon.log" \
        || { cat "$nodelog" >&2; die "transport $role: Quick Mode did not reach charon's install step"; }
    if [ "$role" = initiator ]; then
        wait_for 10 grep -q "Transport" "$nodelog" || { cat "$nodelog" >&2; die "transport initiator: our SA is not in transport mode"; }
    fi
    echo "PASS transport $role (Quick Mode completed; charon's kernel-libipsec cannot install transport-mode SAs, so no traffic test here)"
    exit 0
fi

if ! wait_for 30 established; then
    cat "$nodelog" >&2; swanctl_peer --list-sas >&2 || true
    die "$scenario $role: no SA installed on charon's side"
fi
sas="$(swanctl_peer --list-sas)"
echo "$sas" > "$STATE/list-sas.txt"
grep -q "$expect_ike" <<< "$sas" || { echo "$sas" >&2; die "$scenario $role: IKE SA is not $expect_ike"; }
grep -q "$expect_esp" <<< "$sas" || { echo "$sas" >&2; die "$scenario $role: IPsec SA is not $expect_esp"; }
if [ -n "$expect_auth" ]; then
    grep -q "$expect_auth" "$STATE/charon/charon.log" || die "$scenario $role: charon did not log \"$expect_auth\""
    grep -q "authenticated by .* signature with its .* certificate" "$nodelog" \
        || { cat "$nodelog" >&2; die "$scenario $role: our node did not authenticate charon by its certificate"; }
    pings="${expect_auth#authentication of }; "
fi

# GRE-only SAs: GRE packets (made with raw sockets: this kernel has no GRE module) echo through
# both ways; ICMP between the same hosts gets through neither way.
if [ "$traffic" = gre ]; then
    grep -qE "local +$NET_PEER\[gre\]" <<< "$sas" && grep -qE "remote +$NET_US\[gre\]" <<< "$sas" \
        || { echo "$sas" >&2; die "gre $role: charon's child SA is not GRE-only"; }
    for ns in "$NS_US $HOST_US" "$NS_PEER $HOST_PEER"; do
        set -- $ns
        ip netns exec "$1" timeout 40 python3 "$here/proto-echo.py" serve "$2" 47 30 > /dev/null 2>&1 &
    done
    sleep 0.3
    gre_ok() { ip netns exec "$NS_US" python3 "$here/proto-echo.py" ping "$HOST_US" "$HOST_PEER" 47 1; }
    wait_for 10 gre_ok || { cat "$nodelog" >&2; die "gre $role: no GRE through the tunnel"; }
    there="$(ip netns exec "$NS_US" python3 "$here/proto-echo.py" ping "$HOST_US" "$HOST_PEER" 47 5)" || die "gre $role: GRE to charon's host: $there"
    back="$(ip netns exec "$NS_PEER" python3 "$here/proto-echo.py" ping "$HOST_PEER" "$HOST_US" 47 5)" || die "gre $role: GRE from charon's host: $back"
    n="$(ping_count "$NS_US" "$HOST_US" "$HOST_PEER" 3)"; [ "$n" -eq 0 ] || die "gre $role: $n ICMP echoes went through a GRE-only SA"
    n="$(ping_count "$NS_PEER" "$HOST_PEER" "$HOST_US" 3)"; [ "$n" -eq 0 ] || die "gre $role: $n ICMP echoes from charon's host came back"
    echo "PASS gre $role (charon: GRE-only child; GRE $there there and $back back; ICMP refused both ways)"
    exit 0
fi

# Data plane: ping through the tunnel, our TUN on one side, charon's libipsec on the other.
wait_for 10 ping_ok || { cat "$nodelog" >&2; die "$scenario $role: ping through the tunnel failed"; }
pings="${pings:-}$(ip netns exec "$NS_US" ping -n -c5 -i0.2 -W1 -I "$HOST_US" "$HOST_PEER" | grep -o '[0-9]* received' || true)"

# A TCP transfer through the tunnel (iperf3, 2 s) when iperf3 is installed.
if command -v iperf3 >/dev/null && [ "$traffic" != wireshark ]; then
    ip netns exec "$NS_PEER" iperf3 -s -1 -B "$HOST_PEER" > /dev/null 2>&1 &
    sleep 0.3
    mbits="$(ip netns exec "$NS_US" iperf3 -c "$HOST_PEER" -B "$HOST_US" -t 2 -J 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))' 2>/dev/null || echo 0)"
    [ "${mbits:-0}" -gt 0 ] || die "$scenario $role: no TCP transfer through the tunnel (iperf3)"
    pings="$pings, iperf3 $mbits Mbit/s"
fi

case "$traffic" in
    rekey)
        # Pings run across the rekey.
        spis() { swanctl_peer --list-sas | grep -oE '(in|out) +[0-9a-f]{8}' | sort -u | tr '\n' ' ' || true; }
        before="$(spis)"
        fds_before="$(ls "/proc/$node_pid/fd" | wc -l)"
        received="$(ip netns exec "$NS_US" ping -n -c 55 -i 0.5 -W1 -I "$HOST_US" "$HOST_PEER" | grep -oE '[0-9]+ received' | grep -oE '[0-9]+' || echo 0)"
        lost="$((55 - received)) of 55 pings lost"
        after="$(spis)"
        fds_after="$(ls "/proc/$node_pid/fd" | wc -l)"
        [ "$fds_after" -le "$fds_before" ] || die "rekey $role: file descriptors grew from $fds_before to $fds_after"
        [ "$before" != "$after" ] || die "rekey $role: charon's SPIs did not change ($before)"
        grep -q "IPsec SA installed" "$nodelog" && [ "$(grep -c 'IPsec SA installed' "$nodelog")" -ge 2 ] \
            || { cat "$nodelog" >&2; die "rekey $role: no second IPsec SA on our side"; }
        # A ping (1 s timeout) may fall into the moment the two sides switch SAs; more is a broken rekey.
        [ "$received" -ge 52 ] || die "rekey $role: $lost while rekeying"
        # After the rekeys both sides hold the same SAs: one ISAKMP SA, the new IPsec SA and the
        # rekeyed ones neither side has deleted yet (charon keeps them until they expire).
        held="$(check_invariant "$nodelog" "rekey $role")"
        case "$held" in "1 ike, "*) ;; *) die "rekey $role: after the rekey both sides hold $held, not one ISAKMP SA";; esac
        pings="$pings; rekeyed, $lost across the rekey, then $held on both sides, the same, fds $fds_before -> $fds_after" ;;
    dpd)
        # Both sides probe every 2 s; charon answers ours and we answer charon's. Then charon dies.
        sleep 7
        dpd_seen="$(grep -c 'N(DPD' "$STATE/charon/charon.log" || true)"
        [ "${dpd_seen:-0}" -ge 2 ] || die "dpd $role: no DPD exchange in charon's log"
        charon_down_hard
        wait_for 40 grep -q "deadPeer" "$nodelog" || { cat "$nodelog" >&2; die "dpd $role: our node did not declare the dead peer"; }
        wait_for 10 grep -q "IPsec SA deleted" "$nodelog" || die "dpd $role: SAs kept after the peer died"
        echo "PASS dpd $role ($pings; $dpd_seen DPD messages at charon; peer declared dead after charon was killed)"
        exit 0 ;;
    restart)
        # charon dies without a word three times and comes back; it then initiates a new ISAKMP SA
        # (with INITIAL-CONTACT). Our node must drop the dead SAs, take the new ones, carry traffic
        # again, and hold no more file descriptors than before.
        fds_before="$(ls "/proc/$node_pid/fd" | wc -l)"
        for round in 1 2 3; do
            charon_down_hard
            sleep 1
            charon_up "$conf"
            swanctl_peer --initiate --child net --timeout 20 > /dev/null 2>&1 || die "restart $role: charon could not re-initiate (round $round)"
            wait_for 15 ping_ok || { cat "$nodelog" >&2; die "restart $role: no traffic after charon's restart (round $round)"; }
            # No SA leaks: after each restart both sides hold exactly the new pair.
            held="$(check_invariant "$nodelog" "restart $role (round $round)")"
            [ "$held" = "1 ike, 1 esp" ] || die "restart $role: after round $round both sides hold $held, not 1 ike, 1 esp"
        done
        sleep 1
        fds_after="$(ls "/proc/$node_pid/fd" | wc -l)"
        [ "$fds_after" -le "$fds_before" ] || die "restart $role: file descriptors grew from $fds_before to $fds_after"
        installs="$(grep -c 'IPsec SA installed' "$nodelog")"
        [ "$installs" -ge 4 ] || die "restart $role: only $installs IPsec SAs installed over 3 restarts"
        deletes="$(grep -c 'IPsec SA deleted' "$nodelog" || true)"
        [ "$deletes" -ge 3 ] || { cat "$nodelog" >&2; die "restart $role: stale SAs kept ($deletes deleted over 3 restarts)"; }
        echo "PASS restart-charon $role ($pings; 3 restarts, $installs SAs installed, $deletes stale ones removed, both sides hold $held after each, fds $fds_before -> $fds_after)"
        exit 0 ;;
    wireshark)
        kill -TERM "$capture_pid"
        wait_for 10 sh -c "! kill -0 $capture_pid" || die "wireshark $role: dumpcap ignored SIGTERM (a blocked signal mask inherited?)"
        capture_pid=""
        pings="$pings; $(wireshark_check "$STATE/wireshark.pcap" "$STATE/wireshark" "wireshark $role")" ;;
    peer-delete)
        swanctl_peer --terminate --ike peer > /dev/null 2>&1 || true
        wait_for 10 grep -q "ISAKMP SA .* deleted: deleted by peer" "$nodelog" \
            || { cat "$nodelog" >&2; die "peer-delete $role: our node did not take charon's Delete"; }
        grep -q "IPsec SA deleted" "$nodelog" || die "peer-delete $role: our IPsec SA survived charon's Delete"
        echo "PASS peer-delete $role ($pings; charon's Delete removed both SAs on our side)"
        exit 0 ;;
esac

# Delete: SIGTERM to our node sends Deletes; charon must be left with no SA.
kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
gone() { local out; out="$(swanctl_peer --list-sas 2>/dev/null)" || return 1; ! grep -q "ESTABLISHED\|INSTALLED" <<< "$out"; }
wait_for 10 gone || { swanctl_peer --list-sas >&2; die "$scenario $role: charon still has SAs after our Delete"; }
echo "PASS $scenario $role ($pings)"
