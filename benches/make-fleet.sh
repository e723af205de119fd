#!/usr/bin/env bash
# Writes N SAP-shaped service keys into DIR for benchmarks: one test root
# and intermediate (as SAP's own CAs are shared by every key of a
# subaccount) and, as SAP issues them, a certificate of its own for every
# key (its own subject and serial number). Making 100,000 RSA key pairs
# would take hours, so the leaves take turns among 100 RSA 2048 key pairs
# (PKCS#1 keys, as SAP generates them).
# With SHARED=1, every key instead carries one of 100 certificates (each
# certificate in N/100 keys): the worst case for audit's cross-key findings.
# Usage: benches/make-fleet.sh DIR N
set -euo pipefail
dir=${1:?usage: make-fleet.sh DIR N}
n=${2:?usage: make-fleet.sh DIR N}
pairs=100
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
CNF
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$work/root.key" -days 3650 \
  -subj "/C=DE/O=bench/CN=Bench Root CA" -extensions ca -config "$work/ext.cnf" -out "$work/root.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/inter.key" -subj "/C=DE/O=bench/CN=Bench Client CA" \
  -out "$work/inter.csr" 2>/dev/null
openssl x509 -req -in "$work/inter.csr" -CA "$work/root.pem" -CAkey "$work/root.key" -set_serial 2 -days 3650 \
  -extfile "$work/ext.cnf" -extensions ca -out "$work/inter.pem" 2>/dev/null
for i in $(seq 1 "$pairs"); do
  openssl genrsa -traditional -out "$work/leaf$i.key" 2048 2>/dev/null
done
python3 - "$work" "$dir" "$n" "$pairs" "${SHARED:-0}" <<'PY'
import datetime, json, os, sys
from concurrent.futures import ProcessPoolExecutor
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

work, out, n, pairs, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
inter_pem = open(f"{work}/inter.pem").read()
root_pem = open(f"{work}/root.pem").read()
keys_pem = [open(f"{work}/leaf{i}.key").read() for i in range(1, pairs + 1)]


def write(first, last):
    inter = x509.load_pem_x509_certificate(inter_pem.encode())
    signer = serialization.load_pem_private_key(open(f"{work}/inter.key", "rb").read(), None)
    public = [serialization.load_pem_private_key(k.encode(), None).public_key() for k in keys_pem]
    now = datetime.datetime.now(datetime.timezone.utc)
    made = {}
    for j in range(first, last):
        # One certificate per key; with SHARED=1 one per key pair.
        c = j % pairs if shared else j
        if c not in made:
            cn = f"sb-bench-{c}!b1|it-rt-bench!b2"
            cert = (x509.CertificateBuilder()
                    .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bench"),
                                             x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                    .issuer_name(inter.subject).public_key(public[j % pairs])
                    .serial_number(1000 + c).not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=365))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                    .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), True)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
                    .sign(signer, hashes.SHA256()))
            made[c] = (cn, cert.public_bytes(serialization.Encoding.PEM).decode())
        cn, leaf = made[c] if shared else made.pop(c)
        sub = f"{out}/team-{j // 1000:03d}"
        os.makedirs(sub, exist_ok=True)
        with open(f"{sub}/key-{j:06d}.json", "w") as f:
            f.write(json.dumps({"oauth": {
                "clientid": cn, "certificate": leaf + inter_pem + root_pem,
                "key": keys_pem[j % pairs],
                "url": "https://bench.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com",
                "tokenurl": "https://bench.authentication.cert.eu10.hana.ondemand.com/oauth/token",
                "createdate": "2026-11-01T00:00:00Z"}}, indent=2))


workers = os.cpu_count() or 1
step = -(-n // workers)
with ProcessPoolExecutor(workers) as pool:
    list(pool.map(write, range(0, n, step), [min(s + step, n) for s in range(0, n, step)]))
PY
kind="a certificate of its own for each key"
[ "${SHARED:-0}" = 1 ] && kind="100 certificates shared by all"
echo "wrote $n service keys ($kind, $pairs RSA key pairs) into $dir"
