"""Builds the odd and hostile PKCS#12 files of this folder (password 'changeit') from default.p12, nopbe.p12 and private-key.pem.in."""
import subprocess, copy
from der import *
PW = b"changeit"
SHROUDED = bytes.fromhex("2a864886f70d010c0a0102")
SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
ENC_DATA = bytes.fromhex("2a864886f70d010706")

def safes_of(pfx):
    octet = pfx.children[1].children[1].children[0]
    return octet, parse(octet.content)[0]

def store(pfx, octet, safes):
    octet.content = safes.enc()
    return pfx

def plain_bags(pfx):
    """(octet, SafeContents node, its OCTET node) of each plain safe."""
    octet, safes = safes_of(pfx)
    out = []
    for ci in safes.children:
        if ci.children[0].content == bytes.fromhex("2a864886f70d010701"):
            inner = ci.children[1].children[0]
            out.append((inner, parse(inner.content)[0]))
    return octet, safes, out

def pkcs8(iters):
    return subprocess.run(["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-iter", str(iters),
        "-in", "private-key.pem.in", "-outform", "DER", "-passout", "pass:changeit"], check=True, capture_output=True).stdout

def pbkdf2_iter_node(epki):
    """The iteration INTEGER node of an EncryptedPrivateKeyInfo node (PBES2/PBKDF2)."""
    return epki.children[0].children[1].children[0].children[1].children[1]

def write(name, der):
    open(name, "wb").write(der); print("wrote", name, len(der))

base = open("default.p12", "rb").read()

# R1: MAC asking for 2^31-1 iterations; the authenticated safe does not
# decode as safes: a reader that derives the MAC key first works for hours
# before it finds that out.
pfx = load("default.p12")
octet, safes = safes_of(pfx)
octet.content = b"\x30\x03\x02\x01\x00"
write("r1-mac-huge-undecodable-safes.p12", set_mac_iter(pfx, 0x7fffffff).enc())

# R2: MAC 2^31-1; the encrypted safe's PBES2 parameters in BER
# (indefinite length), which OpenSSL reads.
pfx = load("default.p12")
octet, safes = safes_of(pfx)
for ci in safes.children:
    if ci.children[0].content == ENC_DATA:
        alg = ci.children[1].children[0].children[1].children[1]  # AlgorithmIdentifier
        alg.children[1].indef = True                              # its parameters
store(pfx, octet, safes)
good_r2 = remac(pfx.enc(), PW)   # the same with a valid MAC of 2,048: opens
write("r2-ber-params-valid.p12", good_r2)
write("r2-ber-params-mac-huge.p12", set_mac_iter(load("r2-ber-params-valid.p12"), 0x7fffffff).enc())

# R3: the shrouded key nested in a safeContentsBag of the plain safe
# (RFC 7292 4.2.6; OpenSSL 3.0's PKCS12_parse descends into it), its key
# encrypted with 6,000,000 PBKDF2 iterations: 6,004,096 in all.
pfx = load("default.p12")
octet, safes, plains = plain_bags(pfx)
inner, sc = plains[0]
for i, bag in enumerate(sc.children):
    if bag.children[0].content == SHROUDED:
        bag.children[1] = Node(0xa0, children=[parse(pkcs8(6_000_000))[0]])
        sc.children[i] = Node(0x30, children=[oid_node(SAFE_CONTENTS_BAG),
                                              Node(0xa0, children=[Node(0x30, children=[bag])])])
inner.content = sc.enc()
store(pfx, octet, safes)
write("r3-nested-key-6m-valid.p12", remac(pfx.enc(), PW))
# ... and the same asking for 2^31-1 for the nested key (hours).
pfx = load("r3-nested-key-6m-valid.p12")
octet, safes, plains = plain_bags(pfx)
inner, sc = plains[0]
epki = sc.children[0].children[1].children[0].children[0].children[1].children[0]
it = pbkdf2_iter_node(epki); it.content = integer(0x7fffffff).content
inner.content = sc.enc(); store(pfx, octet, safes)
write("r3-nested-key-huge.p12", remac(pfx.enc(), PW))

# Bags for the encrypted-safe cases (R4), from nopbe.p12 (plain bags).
pfx = load("nopbe.p12")
_, _, plains = plain_bags(pfx)
cert_bag = plains[0][1].children[0]
open("bag-cert.der", "wb").write(cert_bag.enc())
def shrouded_bag(epki_der, attrs_from=cert_bag):
    return Node(0x30, children=[Node(0x06, content=SHROUDED), Node(0xa0, children=[parse(epki_der)[0]]),
                                copy.deepcopy(attrs_from.children[2])])
open("bag-key-6m.der", "wb").write(shrouded_bag(pkcs8(6_000_000)).enc())
small = parse(pkcs8(2048))[0]
open("bag-key-2048.der", "wb").write(shrouded_bag(small.enc()).enc())
huge = copy.deepcopy(small); pbkdf2_iter_node(huge).content = integer(0x7fffffff).content
open("bag-key-huge.der", "wb").write(shrouded_bag(huge.enc()).enc())
# A shrouded key bag with its PBES2 parameters in BER.
ber = copy.deepcopy(small); ber.children[0].children[1].indef = True
open("bag-key-ber.der", "wb").write(shrouded_bag(ber.enc()).enc())
# A safeContentsBag holding the 6,000,000-iteration key.
nested = Node(0x30, children=[oid_node(SAFE_CONTENTS_BAG),
              Node(0xa0, children=[Node(0x30, children=[shrouded_bag(pkcs8(6_000_000))])])])
open("bag-nested-key-6m.der", "wb").write(nested.enc())
