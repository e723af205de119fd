"""Minimal DER/BER tree tool for crafting odd and hostile PKCS#12 files."""
import ctypes, ctypes.util

class Node:
    def __init__(self, tag, content=None, children=None, indef=False):
        self.tag, self.content, self.children, self.indef = tag, content, children, indef
    def enc(self):
        body = b"".join(c.enc() for c in self.children) if self.children is not None else self.content
        if self.indef:
            return bytes([self.tag, 0x80]) + body + b"\0\0"
        return bytes([self.tag]) + enclen(len(body)) + body
    def __repr__(self): return f"Node({self.tag:#x})"

def enclen(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def parse(b, i=0):
    tag = b[i]; i += 1
    l = b[i]; i += 1
    if l == 0x80:  # indefinite (constructed only)
        kids = []
        while b[i:i+2] != b"\0\0":
            k, i = parse(b, i); kids.append(k)
        return Node(tag, children=kids, indef=True), i + 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i+n], "big"); i += n
    content = b[i:i+l]
    if tag & 0x20:  # constructed
        kids, j = [], 0
        while j < len(content):
            k, j = parse(content, j); kids.append(k)
        return Node(tag, children=kids), i + l
    return Node(tag, content=content), i + l

def load(path): return parse(open(path, "rb").read())[0]

def integer(v): 
    b = v.to_bytes((v.bit_length() + 8) // 8 or 1, "big")
    return Node(0x02, content=b)

def oid_node(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    def push(v):
        g = []
        while True:
            g.append(v & 0x7f); v >>= 7
            if not v: break
        for k, x in enumerate(reversed(g)):
            out.append(x | (0x80 if k < len(g) - 1 else 0))
    push(arcs[0] * 40 + arcs[1]); [push(a) for a in arcs[2:]]
    return Node(0x06, content=bytes(out))

def walk(n):
    yield n
    for c in n.children or []: yield from walk(c)

# OpenSSL through ctypes, for a MAC that checks.
lib = ctypes.CDLL(ctypes.util.find_library("crypto"))
lib.d2i_PKCS12.restype = ctypes.c_void_p
lib.d2i_PKCS12.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]
lib.EVP_sha256.restype = ctypes.c_void_p
lib.PKCS12_set_mac.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
lib.i2d_PKCS12.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
lib.PKCS12_free.argtypes = [ctypes.c_void_p]
lib.CRYPTO_free.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]

def remac(der, password, iters=2048):
    """der (DER PFX) with a fresh, valid HMAC-SHA256 MAC."""
    buf = ctypes.c_char_p(der)
    p12 = lib.d2i_PKCS12(None, ctypes.byref(buf), len(der))
    assert p12
    assert lib.PKCS12_set_mac(p12, password, -1, None, 0, iters, lib.EVP_sha256()) == 1
    out = ctypes.c_void_p()
    n = lib.i2d_PKCS12(p12, ctypes.byref(out))
    r = ctypes.string_at(out, n)
    lib.CRYPTO_free(out, b"", 0); lib.PKCS12_free(p12)
    return r

def set_mac_iter(pfx, v):
    """pfx (Node) with its MacData iterations set to v (MAC no longer checks)."""
    mac = pfx.children[2]
    if len(mac.children) == 3: mac.children[2] = integer(v)
    else: mac.children.append(integer(v))
    return pfx
