#!/usr/bin/env python3
"""The peer for `btpcert audit`: the same per-key work in Python with
pyca/cryptography (OpenSSL underneath), over a process pool on every core.

Per key: parse the JSON, load the chain, verify each signature with its
issuer's key (the next certificate; the root with its own), check validity
and the clientAuth EKU, and check that the private key matches the leaf.
Usage: benches/peer_audit.py DIR   (prints "N keys, M need action")
"""
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID


def verify(cert, issuer):
    key = issuer.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(cert.signature, cert.tbs_certificate_bytes,
                   padding.PKCS1v15(), cert.signature_hash_algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(cert.signature, cert.tbs_certificate_bytes,
                   ec.ECDSA(cert.signature_hash_algorithm))


def audit(path):
    now = datetime.now(timezone.utc)
    try:
        oauth = json.load(open(path))["oauth"]
        chain = x509.load_pem_x509_certificates(oauth["certificate"].encode())
        for i, c in enumerate(chain):
            verify(c, chain[min(i + 1, len(chain) - 1)])
            if not (c.not_valid_before_utc <= now <= c.not_valid_after_utc):
                return True
        leaf = chain[0]
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
            return True
        key = serialization.load_pem_private_key(
            oauth["key"].encode(), None, unsafe_skip_rsa_key_validation=True)
        return key.public_key().public_numbers() != leaf.public_key().public_numbers()
    except Exception:
        return True


def main():
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs
                   if f.endswith(".json"))
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        bad = sum(pool.map(audit, files, chunksize=256))
    print(f"{len(files)} keys, {bad} need action")


if __name__ == "__main__":
    main()
