#!/usr/bin/env bash
# Whole-process figures, side by side in one run (benches/run.sh runs this
# with the audit and pathological figures; see BENCHMARKS.md):
#   1. one service key to a verified PKCS#12: btpcert against the by-hand
#      pipeline of SAP's tutorials (jq + openssl verify + openssl pkcs12 -export);
#   2. verify of a 3-certificate chain: btpcert against openssl verify -untrusted;
#   3. startup (btpcert --version).
# Needs hyperfine, jq and openssl (apt-get install hyperfine jq).
# Usage: [BTPCERT_BIN=path] benches/compare.sh [RESULTS.md]
# Without BTPCERT_BIN it builds the release binary itself.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/dev/stdout}
for t in hyperfine jq openssl; do
  command -v "$t" >/dev/null || { echo "benches/compare.sh needs $t" >&2; exit 2; }
done
bin=${BTPCERT_BIN:-$(benches/build.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key=$PWD/testdata/service-key.json
echo "changeit" >"$work/pw"
export P12_PASS=changeit

# The by-hand pipeline, as SAP's tutorials lead users through it.
cat >"$work/by-hand.sh" <<SH
#!/usr/bin/env bash
set -e
cd "$work/hand"
jq -r .oauth.certificate "$key" > certificate.pem
jq -r .oauth.key "$key" > key.pem
awk 'BEGIN{n=0} /BEGIN CERT/{n++} {print > ("c" n ".pem")}' certificate.pem
openssl verify -CAfile c3.pem -untrusted c2.pem c1.pem > /dev/null
openssl pkcs12 -export -in certificate.pem -inkey key.pem -name client -passout file:$work/pw -out client.p12
SH
chmod +x "$work/by-hand.sh"
mkdir -p "$work/hand" "$work/bt"
cat >"$work/btpcert-3.sh" <<SH
#!/usr/bin/env bash
set -e
$bin extract "$key" -o "$work/bt" --force > /dev/null
$bin verify "$key" --no-system-roots > /dev/null || true
$bin p12 "$key" -o "$work/bt/client.p12" --password-env P12_PASS --force > /dev/null
SH
chmod +x "$work/btpcert-3.sh"


"$bin" extract "$key" -o "$work/chain" --split --force > /dev/null
leaf=$(ls "$work"/chain/cert-1-*.pem); inter=$(ls "$work"/chain/cert-2-*.pem); root=$(ls "$work"/chain/cert-3-*.pem)
{
echo "### 1. Service key to verified PKCS#12"
echo
hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/1a.md" \
  -n "jq -r .oauth.certificate (one of the pipeline's steps)" "jq -r .oauth.certificate $key" \
  -n "openssl pkcs12 -export (one of the pipeline's steps)" \
     "openssl pkcs12 -export -in $work/chain/certificate.pem -inkey $work/chain/key.pem -name client -passout file:$work/pw -out $work/steps.p12" >/dev/null
hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/1.md" \
  -n "by hand: jq + openssl verify + openssl pkcs12 -export" "$work/by-hand.sh" \
  -n "btpcert extract + verify + p12 (3 processes)" "$work/btpcert-3.sh" \
  -n "btpcert p12 (1 process: reads, orders, checks key and chain, writes)" \
     "$bin p12 $key -o $work/bt/one.p12 --password-env P12_PASS --force" >/dev/null
cat "$work/1.md"
echo
echo "The pipeline's steps on their own:"
echo
cat "$work/1a.md"
echo
echo "### 2. Verify a 3-certificate chain"
echo
hyperfine -N --warmup 20 --runs 300 -i --export-markdown "$work/2.md" \
  -n "openssl verify -untrusted" "openssl verify -CAfile $root -untrusted $inter $leaf" \
  -n "btpcert verify (every check, 3 scenarios' lists)" "$bin verify --no-system-roots $work/chain/certificate.pem" >/dev/null
cat "$work/2.md"
echo
echo "### 3. Startup"
echo
hyperfine -N --warmup 50 --runs 500 --export-markdown "$work/4.md" -n "btpcert --version" "$bin --version" >/dev/null
cat "$work/4.md"
} >"$out"
