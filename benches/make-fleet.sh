#!/usr/bin/env bash
# Writes N SAP-shaped service keys into DIR for benchmarks: one test root
# and intermediate (as SAP's own CAs are shared by every key of a
# subaccount), 100 distinct RSA 2048 leaves with their PKCS#1 keys, used in
# turn. Usage: benches/make-fleet.sh DIR N
set -euo pipefail
dir=${1:?usage: make-fleet.sh DIR N}
n=${2:?usage: make-fleet.sh DIR N}
distinct=${DISTINCT:-100}
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CNF
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$work/root.key" -days 3650 \
  -subj "/C=DE/O=bench/CN=Bench Root CA" -extensions ca -config "$work/ext.cnf" -out "$work/root.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/inter.key" -subj "/C=DE/O=bench/CN=Bench Client CA" \
  -out "$work/inter.csr" 2>/dev/null
openssl x509 -req -in "$work/inter.csr" -CA "$work/root.pem" -CAkey "$work/root.key" -set_serial 2 -days 3650 \
  -extfile "$work/ext.cnf" -extensions ca -out "$work/inter.pem" 2>/dev/null
for i in $(seq 1 "$distinct"); do
  openssl genrsa -traditional -out "$work/leaf$i.key" 2048 2>/dev/null
  openssl req -new -key "$work/leaf$i.key" -subj "/C=DE/O=bench/CN=sb-bench-$i!b1|it-rt-bench!b2" -out "$work/leaf$i.csr"
  openssl x509 -req -in "$work/leaf$i.csr" -CA "$work/inter.pem" -CAkey "$work/inter.key" -set_serial $((1000 + i)) \
    -days 365 -extfile "$work/ext.cnf" -extensions leaf -out "$work/leaf$i.pem" 2>/dev/null
done
python3 - "$work" "$dir" "$n" "$distinct" <<'PY'
import json, sys
work, out, n, distinct = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
inter = open(f"{work}/inter.pem").read()
root = open(f"{work}/root.pem").read()
keys = []
for i in range(1, distinct + 1):
    chain = open(f"{work}/leaf{i}.pem").read() + inter + root
    keys.append(json.dumps({"oauth": {
        "clientid": f"sb-bench-{i}!b1|it-rt-bench!b2", "certificate": chain,
        "key": open(f"{work}/leaf{i}.key").read(),
        "url": "https://bench.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com",
        "tokenurl": "https://bench.authentication.cert.eu10.hana.ondemand.com/oauth/token",
        "createdate": "2026-11-01T00:00:00Z"}}, indent=2))
for j in range(n):
    sub = f"{out}/team-{j // 1000:03d}"
    if j % 1000 == 0:
        import os; os.makedirs(sub, exist_ok=True)
    open(f"{sub}/key-{j:06d}.json", "w").write(keys[j % distinct])
PY
echo "wrote $n service keys ($distinct distinct leaves) into $dir"
