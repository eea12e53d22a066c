#!/usr/bin/env bash
# Regenerates Fixtures/x509/: a small PKI made with the openssl CLI alone, so the
# X.509 tests check our parser and chain verification against a second implementation.
# Validity windows are fixed (openssl ca -startdate/-enddate), so the tests inject
# times relative to them and never depend on the wall clock.
#
#   root (RSA-2048, self-signed) ── intermediate (P-256) ── leaf-rsa (RSA-2048)
#                               ├── leaf-p256 (P-256)
#                               └── leaf-expired (P-256, 2020-2021)
#   other-root (P-256, self-signed, unrelated) ── leaf-other (P-256)
#
# Outputs per certificate NAME: NAME.pem, NAME.der, NAME.expect (openssl's view of
# subject, issuer, serial, dates, key, basicConstraints, SANs); keys NAME.key (PKCS#8 PEM), plus
# leaf-p256.sec1.pem (traditional EC key) and leaf-rsa.key.der (PKCS#8 DER).
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/Fixtures/x509"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = yes
[anything]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf_rsa]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:moon.example.org, email:moon@example.org, IP:192.0.2.1
[leaf_p256]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:sun.example.org, DNS:*.vpn.example.org, IP:2001:db8::1
[leaf_plain]
basicConstraints = CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
touch index.txt

key() { # name algorithm
    case "$2" in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.key" ;;
    esac
}

issue() { # name subject issuer(or self) section serial start end
    local name=$1 subject=$2 issuer=$3 section=$4
    echo "$5" > serial
    openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
    if [ "$issuer" = self ]; then
        openssl ca -batch -config ca.cnf -selfsign -keyfile "$name.key" -in "$name.csr" -out "$name.pem" \
            -extensions "$section" -startdate "$6" -enddate "$7" -notext 2>/dev/null
    else
        openssl ca -batch -config ca.cnf -cert "$issuer.pem" -keyfile "$issuer.key" -in "$name.csr" -out "$name.pem" \
            -extensions "$section" -startdate "$6" -enddate "$7" -notext 2>/dev/null
    fi
    openssl x509 -in "$name.pem" -outform DER -out "$name.der"
    {
        openssl x509 -in "$name.pem" -noout -subject -issuer -nameopt oneline,-space_eq
        openssl x509 -in "$name.pem" -noout -serial -dates -dateopt iso_8601
        openssl x509 -in "$name.pem" -noout -text | sed -n -e 's/^ *Public Key Algorithm: /keyalg=/p' \
            -e 's/^ *Public-Key: (\([0-9]*\) bit)/keybits=\1/p' -e 's/^ *NIST CURVE: /curve=/p' -e 's/^ *\(CA:.*\)$/ca=\1/p'
        openssl x509 -in "$name.pem" -noout -ext subjectAltName 2>/dev/null | sed -n 's/^ *\(.*\)$/san=\1/p' | grep -v '^san=X509v3' || true
    } > "$name.expect"
}

key root rsa;          issue root "/C=CH/O=swift-ikev1 test/CN=Test Root CA" self root 01 20190101000000Z 20450101000000Z
key intermediate p256; issue intermediate "/C=CH/O=swift-ikev1 test/OU=VPN/CN=Test Intermediate CA" root intermediate 1000 20250101000000Z 20400101000000Z
key leaf-rsa rsa;      issue leaf-rsa "/C=CH/O=swift-ikev1 test/CN=moon.example.org" intermediate leaf_rsa 3c4d5e6f708192a3 20260101000000Z 20360101000000Z
key leaf-p256 p256;    issue leaf-p256 "/C=CH/O=swift-ikev1 test/CN=sun.example.org/emailAddress=sun@example.org" root leaf_p256 02 20260101000000Z 20360101000000Z
key leaf-expired p256; issue leaf-expired "/C=CH/O=swift-ikev1 test/CN=old.example.org" root leaf_plain 03 20200101000000Z 20210101000000Z
key other-root p256;   issue other-root "/C=US/O=Unrelated/CN=Other Root CA" self root 7f 20250101000000Z 20450101000000Z
key leaf-other p256;   issue leaf-other "/C=US/O=Unrelated/CN=moon.example.org" other-root leaf_rsa 04 20260101000000Z 20360101000000Z

openssl pkey -in leaf-p256.key -traditional -out leaf-p256.sec1.pem 2>/dev/null || openssl ec -in leaf-p256.key -out leaf-p256.sec1.pem 2>/dev/null
openssl pkey -in leaf-rsa.key -outform DER -out leaf-rsa.key.der
cat intermediate.pem root.pem > chain.pem

mkdir -p "$out"
rm -f "$out"/*.pem "$out"/*.der "$out"/*.key "$out"/*.expect
cp root.* intermediate.* leaf-*.* other-root.* chain.pem "$out/"
rm -f "$out"/*.csr
openssl version > "$out/openssl-version.txt"
echo "wrote $out"
