#!/usr/bin/env bash
# Inputs that once cost quadratic time or gigabytes, with btpcert's time and
# peak memory on each (GNU time), for BENCHMARKS.md:
#   - a 15 MB service key (a big array beside the credentials): inspect,
#     extract, audit; a folder of 40 of them: audit;
#   - 15 MB of instance parameters: instance check and migrate;
#   - 1,000 and 3,000 self-signed CAs sharing one subject: inspect, verify,
#     chain split, connectivity (a zip of 1,000 entries);
#   - a chain of 10,000 certificates: inspect, verify, chain split;
#   - a certificate with a serial number of 40,000 octets: inspect;
#   - a truststore of 3,000 CAs of one name: written, then read.
# Where a by-hand tool does the same job (jq, openssl verify, csplit), it is
# measured right after btpcert, on the same input.
# Needs openssl, jq, csplit, python3 with pyca/cryptography, zip and GNU time.
# Usage: [BTPCERT_BIN=path] benches/pathological.sh [RESULTS.md]
# Without BTPCERT_BIN it builds the release binary itself.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/dev/stdout}
bin=${BTPCERT_BIN:-$(benches/build.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
w = sys.argv[1]
k = json.load(open("testdata/service-key.json"))
k["junk"] = [{"name": f"entry-{i}", "value": i, "tags": ["a", "b"], "flag": True} for i in range(195000)]
open(f"{w}/big-key.json", "w").write(json.dumps(k))
p = {"roles": ["ESBMessaging.send"], "grant-types": ["client_x509"], "redirect-uris": [],
     "token-validity": 4200, "junk": [{"name": f"entry-{i}", "value": i} for i in range(350000)]}
open(f"{w}/big-params.json", "w").write(json.dumps(p))
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Same Name CA")])
now = datetime.datetime(2025, 1, 1)
def selfsigned(key):
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
for n in (1000, 3000):
    with open(f"{w}/same-{n}.pem", "wb") as f:
        for _ in range(n):
            f.write(selfsigned(ec.generate_private_key(ec.SECP256R1())).public_bytes(serialization.Encoding.PEM))
# A chain of 10,000: each certificate signed by the next, one key pair each.
keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(10000)]
certs = []
for i in range(10000):
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"link {i}")])
    iss = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"link {min(i + 1, 9999)}")])
    b = (x509.CertificateBuilder().subject_name(subj).issuer_name(iss)
         .public_key(keys[i].public_key()).serial_number(i + 1)
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=i > 0, path_length=None), True))
    certs.append(b.sign(keys[min(i + 1, 9999)], hashes.SHA256()))
with open(f"{w}/chain-10000.pem", "wb") as f:
    for c in certs:
        f.write(c.public_bytes(serialization.Encoding.PEM))
# The same chain for openssl verify: the leaf, the 9,998 between, the root.
pem = [c.public_bytes(serialization.Encoding.PEM) for c in certs]
open(f"{w}/chain-leaf.pem", "wb").write(pem[0])
open(f"{w}/chain-between.pem", "wb").write(b"".join(pem[1:-1]))
open(f"{w}/chain-root.pem", "wb").write(pem[-1])
# A certificate whose serial number has 40,000 octets (RFC 5280 allows 20):
# the first one of same-1000.pem with its serial replaced, signature left.
def tlv(tag, content):
    n = len(content)
    if n < 128:
        return bytes([tag, n]) + content
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content
def split(b, i):
    n, j = b[i + 1], i + 2
    if n & 0x80:
        n, j = int.from_bytes(b[j:j + (n & 0x7f)], "big"), j + (n & 0x7f)
    return j, j + n   # content start, end
der = x509.load_pem_x509_certificate(open(f"{w}/same-1000.pem", "rb").read()).public_bytes(serialization.Encoding.DER)
cs, ce = split(der, 0)
ts, te = split(der, cs)
vs, ve = split(der, ts)
ss, se = split(der, ve)
tbs = tlv(0x30, der[ts:ve] + tlv(0x02, b"\x01" + b"\x23" * 39999) + der[se:te])
long_serial = tlv(0x30, tbs + der[te:ce])
open(f"{w}/long-serial.der", "wb").write(long_serial)
PY
# A folder of 40 such keys: an audit holds a few files per core at a time.
mkdir -p "$work/big-keys"
for i in $(seq -w 1 40); do ln "$work/big-key.json" "$work/big-keys/k$i.json"; done
mkdir -p "$work/z"
(cd "$work/z" && awk '/BEGIN CERT/{n++} {print > (n ".cer")}' "$work/same-1000.pem" && zip -q ../same-1000.zip ./*.cer)

# time_of COMMAND...: the wall time (s) and peak RSS (MiB) of one run into
# $work/r; btpcert may exit 1 (problems found), a peer must succeed.
time_of() {
  local rc=0
  # Each command starts with nothing left to write back: a command that
  # syncs (chain split) pays for its own files only.
  sync
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
  if [ "$rc" -ne 0 ] && { [ "$1" != "$bin" ] || [ "$rc" -gt 1 ]; }; then
    echo "pathological.sh: '$*' failed ($rc): $(head -c 300 "$work/err")" >&2
    exit 1
  fi
  local wall rss
  read -r wall rss < <(tail -n 1 "$work/t")
  echo "$wall $(awk "BEGIN{printf \"%.0f\", $rss / 1024}")" >"$work/r"
}
# run LABEL [PEER_NAME PEER_COMMAND] -- BTPCERT_ARGS...: one row, with the
# by-hand tool that does the same job where there is one (PEER_COMMAND is
# run by sh -c), measured right after btpcert.
run() {
  local label=$1 peer_name="" peer_cmd="" wall rss pwall prss
  shift
  if [ "$1" != "--" ]; then peer_name=$1 peer_cmd=$2; shift 2; fi
  shift
  time_of "$bin" "$@"
  read -r wall rss <"$work/r"
  if [ -n "$peer_name" ]; then
    time_of sh -c "$peer_cmd"
    read -r pwall prss <"$work/r"
    echo "| $label | $wall | $rss | $peer_name | $pwall | $prss |"
  else
    echo "| $label | $wall | $rss | | | |"
  fi
}
w=$work
{
echo "| input and command | wall (s) | peak RSS (MiB) | by hand | wall (s) | peak RSS (MiB) |"
echo "| --- | ---: | ---: | --- | ---: | ---: |"
run "15 MB service key: inspect" -- inspect "$w/big-key.json"
run "15 MB service key: extract" "\`jq -r\` certificate and key" \
  "jq -r .oauth.certificate $w/big-key.json >$w/c.pem && jq -r .oauth.key $w/big-key.json >$w/k.pem" \
  -- extract "$w/big-key.json" -o "$w/x" --force --no-system-roots
run "15 MB service key: audit" -- audit "$w/big-key.json" --no-system-roots
run "40 service keys of 15 MB each: audit" -- audit "$w/big-keys" --no-system-roots
run "15 MB parameters: instance check" -- instance check "$w/big-params.json"
run "15 MB parameters: instance migrate" "\`jq\` setting grant-types" \
  "jq '.[\"grant-types\"] = [\"client_credentials\"]' $w/big-params.json >$w/m2.json" \
  -- instance migrate "$w/big-params.json" -o "$w/m.json" --force
run "1,000 same-name CAs: inspect" -- inspect "$w/same-1000.pem"
run "1,000 same-name CAs: verify" -- verify "$w/same-1000.pem" --no-system-roots --for server
run "1,000 same-name CAs: chain split" -- chain split "$w/same-1000.pem" -o "$w/split1" --force
run "1,000 same-name CAs: connectivity (zip)" -- connectivity "$w/same-1000.zip"
run "3,000 same-name CAs: inspect" -- inspect "$w/same-3000.pem"
run "3,000 same-name CAs: verify" -- verify "$w/same-3000.pem" --no-system-roots --for server
run "40,000-octet serial number: inspect" "\`openssl x509 -text\`" \
  "openssl x509 -inform DER -in $w/long-serial.der -noout -text" \
  -- inspect "$w/long-serial.der"
printf 'changeit\n' >"$w/pw"
run "3,000 same-name CAs: truststore (write)" "\`openssl pkcs12 -export -nokeys\`" \
  "openssl pkcs12 -export -nokeys -in $w/same-3000.pem -out $w/o.p12 -passout pass:changeit" \
  -- truststore "$w/same-3000.pem" -o "$w/ts.p12" --password-file "$w/pw" --force
run "3,000-entry truststore: inspect" "\`openssl pkcs12 -nokeys\`" \
  "openssl pkcs12 -in $w/ts.p12 -nokeys -passin pass:changeit -out $w/o.pem" \
  -- inspect "$w/ts.p12" --password-file "$w/pw"
run "10,000-certificate chain: inspect" -- inspect "$w/chain-10000.pem"
run "10,000-certificate chain: verify" "\`openssl verify\` of the same path" \
  "openssl verify -verify_depth 10001 -CAfile $w/chain-root.pem -untrusted $w/chain-between.pem $w/chain-leaf.pem" \
  -- verify "$w/chain-10000.pem" --no-system-roots --for server
# btpcert makes the files durable (one syncfs) before it renames their
# folder into place; the by-hand split gets the same with sync -f.
run "10,000-certificate chain: chain split" "\`csplit\` into 10,000 files, \`sync -f\`" \
  "mkdir -p $w/cs && cd $w/cs && csplit -s -z -n 5 -f cert- $w/chain-10000.pem '/-----BEGIN CERTIFICATE-----/' '{*}' && sync -f ." \
  -- chain split "$w/chain-10000.pem" -o "$w/split10k" --force
} >"$out"
