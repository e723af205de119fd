#!/usr/bin/env bash
# Builds the files of this folder again (their salts and keys differ each
# time): make.py for r1 to r3 and the bags, mkenc for the files whose
# encrypted safe holds those bags. Needs python3, openssl, gcc, libssl-dev.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 make.py
gcc -o "$work/mkenc" mkenc.c -lcrypto
"$work/mkenc" r4a-enc-safe-key-6m.p12 changeit bag-key-6m.der bag-cert.der
"$work/mkenc" r4b-enc-safe-key-huge-plus-ber-bag.p12 changeit bag-key-huge.der bag-key-ber.der bag-cert.der
"$work/mkenc" r4c-enc-safe-nested-key-6m.p12 changeit bag-nested-key-6m.der bag-cert.der
"$work/mkenc" r4d-enc-safe-key-2048.p12 changeit bag-key-2048.der bag-cert.der
rm -f bag-*.der
