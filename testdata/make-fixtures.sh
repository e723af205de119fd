#!/usr/bin/env bash
# Regenerates the sample service keys in this folder with openssl: a test
# root -> intermediate -> client leaf (clientAuth), RSA 2048 keys in PKCS#1
# as SAP generates them, valid until 2125. The names are made up: nothing
# here chains to a CA that SAP trusts, and the keys are test keys only.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

days=36500
cat >"$work/ext.cnf" <<'CNF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

key() { openssl genrsa -traditional -out "$1" 2048 2>/dev/null; }
key "$work/root.key"; key "$work/inter.key"; key "$work/leaf.key"
openssl req -new -x509 -key "$work/root.key" -days $days -sha256 \
  -subj "/C=DE/O=btpcert samples/CN=btpcert Sample Root CA" \
  -extensions root -config "$work/ext.cnf" -out "$work/root.pem"
openssl req -new -key "$work/inter.key" -subj "/C=DE/O=btpcert samples/CN=btpcert Sample Client CA" -out "$work/inter.csr"
openssl x509 -req -in "$work/inter.csr" -CA "$work/root.pem" -CAkey "$work/root.key" -set_serial 0x1001 \
  -days $days -sha256 -extfile "$work/ext.cnf" -extensions inter -out "$work/inter.pem" 2>/dev/null
openssl req -new -key "$work/leaf.key" \
  -subj "/C=DE/O=btpcert samples/OU=Integration Suite/CN=sb-00000000-0000-0000-0000-000000000000!b1|it-rt-sample!b2" \
  -out "$work/leaf.csr"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/inter.pem" -CAkey "$work/inter.key" -set_serial 0x5ab1e \
  -days $days -sha256 -extfile "$work/ext.cnf" -extensions leaf -out "$work/leaf.pem" 2>/dev/null

cat "$work/leaf.pem" "$work/inter.pem" "$work/root.pem" >"$work/chain.pem"
cp "$work/root.pem" sample-root.pem

python3 - "$work" <<'PY'
import json, subprocess, sys
w = sys.argv[1]
chain = open(f"{w}/chain.pem").read()
key = open(f"{w}/leaf.key").read()
leaf = open(f"{w}/leaf.pem").read()
def field(name):
    out = subprocess.run(["openssl", "x509", "-in", f"{w}/leaf.pem", "-noout", f"-{name}", "-nameopt", "RFC2253"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return out.split("=", 1)[1]
end = subprocess.run(["openssl", "x509", "-in", f"{w}/leaf.pem", "-noout", "-enddate"], capture_output=True, text=True, check=True).stdout
base = {
    "clientid": "sb-00000000-0000-0000-0000-000000000000!b1|it-rt-sample!b2",
    "url": "https://sample.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com",
    "tokenurl": "https://sample.authentication.cert.eu10.hana.ondemand.com/oauth/token",
    "createdate": "2026-05-04T09:12:43.815Z",
}
cert_key = {"oauth": {"clientid": base["clientid"], "certificate": chain, "key": key,
    "certificatedetails": {"issuerdn": field("issuer"), "subjectdn": field("subject"),
                           "serialnumber": "0x" + field("serial").lower(), "validuntil": end.split("=", 1)[1].strip()},
    "url": base["url"], "tokenurl": base["tokenurl"], "createdate": base["createdate"]}}
json.dump(cert_key, open("service-key.json", "w"), indent=2); open("service-key.json", "a").write("\n")
ext = {"oauth": {"clientid": base["clientid"], "certificate": leaf, "certificate-pinning": True,
    "url": base["url"], "tokenurl": base["tokenurl"], "createdate": base["createdate"]}}
json.dump(ext, open("service-key-external.json", "w"), indent=2); open("service-key-external.json", "a").write("\n")
secret = {"oauth": {"clientid": base["clientid"], "clientsecret": "sample-secret-not-real",
    "url": base["url"], "tokenurl": base["tokenurl"].replace(".cert.", "."), "createdate": base["createdate"]}}
json.dump(secret, open("service-key-secret.json", "w"), indent=2); open("service-key-secret.json", "a").write("\n")
PY
echo "wrote service-key.json service-key-external.json service-key-secret.json sample-root.pem"
