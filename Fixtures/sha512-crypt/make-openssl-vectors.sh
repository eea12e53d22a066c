#!/usr/bin/env bash
# Writes openssl-passwd-6.txt: SHA-512-crypt hashes computed by `openssl passwd -6`
# (an implementation independent of ours; the empty password by crypt(3)) for passwords and salts at the edges of the
# algorithm: empty and long passwords (around the 64-byte digest length that the
# algorithm repeats in blocks), UTF-8, salts of 1..17 characters (16 is the maximum,
# longer ones are cut), rounds at, below and above the limits.
# Each line: SETTING<TAB>PASSWORD<TAB>HASH, where SETTING is what was passed to -salt.
set -euo pipefail
cd "$(dirname "$0")"
out=openssl-passwd-6.txt
rep() { local s="" i; for ((i = 0; i < $2; i++)); do s+="$1"; done; printf '%s' "${s:0:$2}"; }
cases=(
    "x|a"
    "saltsalt|password"
    "0123456789abcdef|$(rep 'p' 63)"
    "0123456789abcdef|$(rep 'q' 64)"
    "./ABCxyz09./|$(rep 'r' 65)"
    "sixteencharsalt.|$(rep 'The quick brown fox ' 127)"
    "seventeen-chars!!|$(rep 'jumps over the lazy dog ' 128)"
    "s|$(rep '0123456789' 129)"
    "rounds=1000\$minimum|at the minimum"
    "rounds=999\$below|below the minimum is raised to 1000"
    "rounds=5000\$explicit|explicit default rounds are kept in the output"
    "rounds=20000\$more|more rounds"
    "colons|user:with:colons\$and#hash"
    "utf8|pässwörd ✓"
    "spaces|  leading and trailing  "
)
{
    echo "# openssl passwd -6 -salt SETTING (-stdin), $(openssl version | cut -d' ' -f1-2); made by make-openssl-vectors.sh"
    for c in "${cases[@]}"; do
        salt="${c%%|*}"; pw="${c#*|}"
        printf '%s\t%s\t%s\n' "$salt" "$pw" "$(printf '%s\n' "$pw" | openssl passwd -6 -salt "$salt" -stdin)"
    done
    # OpenSSL 3.0 prints <NULL> for an empty password: this one comes from the C library's
    # crypt(3) (glibc/libxcrypt), through python3's crypt module.
    printf 'empty\t\t%s\n' "$(python3 -W ignore -c 'import crypt; print(crypt.crypt("", "$6$empty"))')"
} > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") vectors)"
