# shellcheck shell=bash
# A throw-away test PKI for the certificate scenarios, made with openssl during the test:
#
#   root      "C=CH, O=swift-ikev1 interop, CN=Test Root CA"          P-256, self-signed
#   ├─ inter  "C=CH, O=swift-ikev1 interop, CN=Test Intermediate CA"  RSA-2048, signed with ECDSA
#   │   ├─ peer-rsa, us-rsa          RSA-2048 leaves (signed with RSA: a chain of three)
#   │   └─ peer-expired              RSA-2048, valid 2020-01-01 .. 2021-01-01 only
#   ├─ peer-ecdsa, us-ecdsa          P-256 leaves (signed with ECDSA: a chain of two)
#   other-root "C=CH, O=Unrelated CA, CN=Other Root CA"               RSA-2048, trusted by nobody
#   └─ peer-wrongca                  RSA-2048, the peer's names under the unrelated CA
#
# pki_make_rsa4096 makes a second PKI, for fragmentation.sh: RSA-4096 throughout, a chain of three
#   root "... CN=Test Root CA (RSA-4096)" -> inter "... CN=Test Intermediate CA (RSA-4096)" -> peer-rsa4096, us-rsa4096
# (us-rsa4096-chain.pem: our leaf and the intermediate), so Main Mode 5 and 6 exceed 1500 bytes.
#
# Leaves: "C=CH, O=swift-ikev1 interop, CN=peer.example" (SAN DNS peer.example, IP 192.0.2.2) for
# charon, "... CN=us.example" (SAN DNS us.example, IP 192.0.2.1) for our node; keys are PKCS#8 PEM.
# us-rsa-chain.pem is our RSA leaf followed by the intermediate CA.
# Sourced by run.sh (needs lib.sh's log/die).

PKI_O="swift-ikev1 interop"
PKI_PEER_DN="C=CH, O=$PKI_O, CN=peer.example"
PKI_US_DN="C=CH, O=$PKI_O, CN=us.example"

# pki_key FILE rsa|ec
pki_key() {
    case "$2" in
        rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
        rsa4096) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$1" 2>/dev/null ;;
        ec)  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ;;
    esac || die "openssl could not make a $2 key"
}

# pki_ca_dir DIR: the database `openssl ca` keeps for one issuing CA.
pki_ca_dir() {
    mkdir -p "$1/db"
    : > "$1/db/index.txt"
    openssl rand -hex 8 > "$1/db/serial"
    cat > "$1/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = $1/db/index.txt
serial = $1/db/serial
new_certs_dir = $1/db
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
countryName = optional
organizationName = optional
commonName = supplied
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::PKI_SAN}
CNF
}

# pki_issue ISSUER_DIR ISSUER_NAME NAME "/C=../O=../CN=.." ca_ext|leaf_ext SAN [START END]
# Signs NAME.key (made beforehand) into NAME.pem; START/END as YYYYMMDDHHMMSSZ (default: now, +2 days).
pki_issue() {
    local dir="$1" issuer="$2" name="$3" subject="$4" ext="$5" san="${6:-DNS:unused}" start="${7:-}" end="${8:-}"
    local dates=(-days 2)
    [ -n "$start" ] && dates=(-startdate "$start" -enddate "$end")
    openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null \
        || die "openssl req failed for $name"
    PKI_SAN="$san" openssl ca -batch -notext -preserveDN -config "$dir/$issuer/ca.cnf" -extensions "$ext" \
        -cert "$dir/$issuer.pem" -keyfile "$dir/$issuer.key" "${dates[@]}" \
        -in "$dir/$name.csr" -out "$dir/$name.pem" > "$dir/$name.ca.log" 2>&1 \
        || { cat "$dir/$name.ca.log" >&2; die "openssl ca failed for $name"; }
}

# pki_make DIR: the whole PKI above, fresh (about a second).
pki_make() {
    local dir="$1"
    rm -rf "$dir"; mkdir -p "$dir"
    pki_key "$dir/root.key" ec
    openssl req -x509 -new -key "$dir/root.key" -subj "/C=CH/O=$PKI_O/CN=Test Root CA" -days 3 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/root.pem" 2>/dev/null || die "openssl could not make the root CA"
    pki_key "$dir/other-root.key" rsa
    openssl req -x509 -new -key "$dir/other-root.key" -subj "/C=CH/O=Unrelated CA/CN=Other Root CA" -days 3 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/other-root.pem" 2>/dev/null || die "openssl could not make the unrelated CA"
    pki_ca_dir "$dir/root"; pki_ca_dir "$dir/other-root"
    pki_key "$dir/inter.key" rsa
    pki_issue "$dir" root inter "/C=CH/O=$PKI_O/CN=Test Intermediate CA" ca_ext
    pki_ca_dir "$dir/inter"
    local peer="/C=CH/O=$PKI_O/CN=peer.example" us="/C=CH/O=$PKI_O/CN=us.example"
    local peer_san="DNS:peer.example,IP:$ADDR_PEER" us_san="DNS:us.example,IP:$ADDR_US"
    for who in peer us; do
        local subject san
        if [ "$who" = peer ]; then subject="$peer"; san="$peer_san"; else subject="$us"; san="$us_san"; fi
        pki_key "$dir/$who-rsa.key" rsa
        pki_issue "$dir" inter "$who-rsa" "$subject" leaf_ext "$san"
        pki_key "$dir/$who-ecdsa.key" ec
        pki_issue "$dir" root "$who-ecdsa" "$subject" leaf_ext "$san"
    done
    # Our RSA certificate as a chain file, leaf first: we send the intermediate after it.
    cat "$dir/us-rsa.pem" "$dir/inter.pem" > "$dir/us-rsa-chain.pem"
    pki_key "$dir/peer-expired.key" rsa
    pki_issue "$dir" inter peer-expired "$peer" leaf_ext "$peer_san" 20200101000000Z 20210101000000Z
    pki_key "$dir/peer-wrongca.key" rsa
    pki_issue "$dir" other-root peer-wrongca "$peer" leaf_ext "$peer_san"
    # The chains verify as intended; the expired leaf fails on its dates alone.
    openssl verify -CAfile "$dir/root.pem" -untrusted "$dir/inter.pem" "$dir/peer-rsa.pem" "$dir/us-rsa.pem" \
        "$dir/peer-ecdsa.pem" "$dir/us-ecdsa.pem" > /dev/null || die "the test PKI does not verify"
    openssl verify -CAfile "$dir/root.pem" -untrusted "$dir/inter.pem" -no_check_time "$dir/peer-expired.pem" \
        > /dev/null || die "the expired leaf does not verify when its dates are ignored"
    openssl verify -CAfile "$dir/other-root.pem" "$dir/peer-wrongca.pem" > /dev/null \
        || die "the unrelated CA's leaf does not verify"
}

# pki_make_rsa4096 DIR: the RSA-4096 chain of three above, fresh (a few seconds: four RSA-4096 keys).
pki_make_rsa4096() {
    local dir="$1"
    rm -rf "$dir"; mkdir -p "$dir"
    pki_key "$dir/root.key" rsa4096
    openssl req -x509 -new -key "$dir/root.key" -subj "/C=CH/O=$PKI_O/CN=Test Root CA (RSA-4096)" -days 3 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/root.pem" 2>/dev/null || die "openssl could not make the RSA-4096 root CA"
    pki_ca_dir "$dir/root"
    pki_key "$dir/inter.key" rsa4096
    pki_issue "$dir" root inter "/C=CH/O=$PKI_O/CN=Test Intermediate CA (RSA-4096)" ca_ext
    pki_ca_dir "$dir/inter"
    pki_key "$dir/peer-rsa4096.key" rsa4096
    pki_issue "$dir" inter peer-rsa4096 "/C=CH/O=$PKI_O/CN=peer.example" leaf_ext "DNS:peer.example,IP:$ADDR_PEER"
    pki_key "$dir/us-rsa4096.key" rsa4096
    pki_issue "$dir" inter us-rsa4096 "/C=CH/O=$PKI_O/CN=us.example" leaf_ext "DNS:us.example,IP:$ADDR_US"
    cat "$dir/us-rsa4096.pem" "$dir/inter.pem" > "$dir/us-rsa4096-chain.pem"
    openssl verify -CAfile "$dir/root.pem" -untrusted "$dir/inter.pem" "$dir/peer-rsa4096.pem" "$dir/us-rsa4096.pem" > /dev/null \
        || die "the RSA-4096 PKI does not verify"
}

# pki_install_charon DIR SWANCTL_DIR LEAF CA...: charon's credentials in swanctl's layout: its
# certificate LEAF.pem in x509/, its key in private/, each CA.pem it trusts in x509ca/, and each
# +NAME in x509/ (an intermediate: charon then verifies a chain through it without a CERT payload).
pki_install_charon() {
    local dir="$1" sw="$2" leaf="$3" ca; shift 3
    rm -rf "$sw"; mkdir -p "$sw/x509" "$sw/x509ca" "$sw/private"
    cp "$dir/$leaf.pem" "$sw/x509/"
    cp "$dir/$leaf.key" "$sw/private/$leaf.pem"
    for ca in "$@"; do
        case "$ca" in +*) cp "$dir/${ca#+}.pem" "$sw/x509/" ;; *) cp "$dir/$ca.pem" "$sw/x509ca/" ;; esac
    done
}
