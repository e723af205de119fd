#!/usr/bin/env bash
# Inputs that once cost quadratic time or gigabytes, with btpcert's time and
# peak memory on each (GNU time), for BENCHMARKS.md:
#   - a 15 MB service key (a big array beside the credentials): inspect,
#     extract, audit;
#   - 15 MB of instance parameters: instance check and migrate;
#   - 1,000 and 3,000 self-signed CAs sharing one subject: inspect, verify,
#     chain split, connectivity (a zip of 1,000 entries);
#   - a chain of 10,000 certificates: inspect, verify, chain split.
# Needs openssl, python3 with pyca/cryptography, zip and GNU time.
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
PY
mkdir -p "$work/z"
(cd "$work/z" && awk '/BEGIN CERT/{n++} {print > (n ".cer")}' "$work/same-1000.pem" && zip -q ../same-1000.zip ./*.cer)

run() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" "$@" >/dev/null 2>&1 || true
  read -r wall rss < <(tail -n 1 "$work/t")
  echo "| $label | $wall | $(awk "BEGIN{printf \"%.0f\", $rss / 1024}") |"
}
{
echo "| input and command | wall (s) | peak RSS (MiB) |"
echo "| --- | ---: | ---: |"
run "15 MB service key: inspect" inspect "$work/big-key.json"
run "15 MB service key: extract" extract "$work/big-key.json" -o "$work/x" --force --no-system-roots
run "15 MB service key: audit" audit "$work/big-key.json" --no-system-roots
run "15 MB parameters: instance check" instance check "$work/big-params.json"
run "15 MB parameters: instance migrate" instance migrate "$work/big-params.json" -o "$work/m.json" --force
run "1,000 same-name CAs: inspect" inspect "$work/same-1000.pem"
run "1,000 same-name CAs: verify" verify "$work/same-1000.pem" --no-system-roots --for server
run "1,000 same-name CAs: chain split" chain split "$work/same-1000.pem" -o "$work/split1" --force
run "1,000 same-name CAs: connectivity (zip)" connectivity "$work/same-1000.zip"
run "3,000 same-name CAs: inspect" inspect "$work/same-3000.pem"
run "3,000 same-name CAs: verify" verify "$work/same-3000.pem" --no-system-roots --for server
run "10,000-certificate chain: inspect" inspect "$work/chain-10000.pem"
run "10,000-certificate chain: verify" verify "$work/chain-10000.pem" --no-system-roots --for server
run "10,000-certificate chain: chain split" chain split "$work/chain-10000.pem" -o "$work/split10k" --force
} >"$out"
