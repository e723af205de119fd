# Hand-built PKCS#12 files (plain safes, optional SHA-256 MAC) for edge cases.
import hashlib, hmac, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization, hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import datetime

def L(n):
    if n < 128: return bytes([n])
    b = n.to_bytes((n.bit_length()+7)//8, 'big'); return bytes([0x80|len(b)]) + b
def T(tag, body): return bytes([tag]) + L(len(body)) + body
def SEQ(*a): return T(0x30, b''.join(a))
def SET(*a): return T(0x31, b''.join(sorted(a)))
def OID(s):
    p = [int(x) for x in s.split('.')]; out = bytes([40*p[0]+p[1]])
    for v in p[2:]:
        enc = [v & 0x7f]; v >>= 7
        while v: enc.append(0x80 | (v & 0x7f)); v >>= 7
        out += bytes(reversed(enc))
    return T(0x06, out)
def INT(n): b = n.to_bytes((n.bit_length()+8)//8 or 1, 'big'); return T(0x02, b)
def OCT(b): return T(0x04, b)
def E0(b): return T(0xa0, b)

DATA='1.2.840.113549.1.7.1'; KEYBAG='1.2.840.113549.1.12.10.1.1'; SKEYBAG='1.2.840.113549.1.12.10.1.2'
CERTBAG='1.2.840.113549.1.12.10.1.3'; SCBAG='1.2.840.113549.1.12.10.1.6'
X509C='1.2.840.113549.1.9.22.1'; SDSI='1.2.840.113549.1.9.22.2'
FN='1.2.840.113549.1.9.20'; LKID='1.2.840.113549.1.9.21'

def bmp(s): return T(0x1e, s.encode('utf-16-be'))
def utf8(s): return T(0x0c, s.encode())
def attrs(name=None, nametag=None, lkid=None):
    a = []
    if name is not None: a.append(SEQ(OID(FN), SET(name)))
    if lkid is not None: a.append(SEQ(OID(LKID), SET(OCT(lkid))))
    return SET(*a) if a else b''
def bag(oid, value, at=b''): return SEQ(OID(oid), E0(value), at)
def certbag(der, at=b'', typ=X509C, wrap=True): return bag(CERTBAG, SEQ(OID(typ), E0(OCT(der) if wrap else der)), at)
def keybag(key, at=b''):
    return bag(KEYBAG, key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), at)
def skeybag(key, pw, at=b''):
    return bag(SKEYBAG, key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(pw)), at)
def safe(*bags): return SEQ(OID(DATA), E0(OCT(SEQ(*bags))))

def p12kdf(pw, salt, ident, it, n):
    u, v = 32, 64
    P = (pw.encode('utf-16-be') + b'\0\0') if pw is not None else b''
    D = bytes([ident])*v
    S = (salt * ((v*((len(salt)+v-1)//v))//len(salt)+1))[:v*((len(salt)+v-1)//v)] if salt else b''
    Pp = (P * ((v*((len(P)+v-1)//v))//max(len(P),1)+1))[:v*((len(P)+v-1)//v)] if P else b''
    I = bytearray(S + Pp); out = b''
    while len(out) < n:
        A = D + bytes(I)
        for _ in range(it): A = hashlib.sha256(A).digest()
        out += A
        B = (A * (v//u+1))[:v]; Bi = int.from_bytes(B,'big')
        for j in range(0, len(I), v):
            x = (int.from_bytes(I[j:j+v],'big') + Bi + 1) % (1 << (8*v))
            I[j:j+v] = x.to_bytes(v,'big')
    return out[:n]

def pfx(*safes, pw=None, mac=True, it=2048):
    auth = SEQ(*safes)
    ci = SEQ(OID(DATA), E0(OCT(auth)))
    if not mac: return SEQ(INT(3), ci)
    salt = os.urandom(8); key = p12kdf(pw, salt, 3, it, 32)
    d = hmac.new(key, auth, hashlib.sha256).digest()
    md = SEQ(SEQ(SEQ(OID('2.16.840.1.101.3.4.2.1'), T(0x05,b'')), OCT(d)), OCT(salt), INT(it))
    return SEQ(INT(3), ci, md)

def mkcert(key, cn, issuer_key=None, issuer_cn=None):
    now = datetime.datetime(2025,1,1)
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn or cn)]))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now+datetime.timedelta(days=3650)))
    return b.sign(issuer_key or key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

k1 = ec.generate_private_key(ec.SECP256R1()); k2 = ec.generate_private_key(ec.SECP256R1())
c1 = mkcert(k1, 'leaf1'); c2 = mkcert(k2, 'leaf2')
PW='changeit'
W = lambda n, d: open(n, 'wb').write(d)
# A: UTF8String friendly name (PKCS12_get_friendlyname returns NULL; parse_bag uses ASN1_STRING_to_UTF8)
W('utf8name.p12', pfx(safe(keybag(k1), certbag(c1, attrs(utf8('utf8-alias')))), pw=PW))
# B: BMPString with surrogate pair (emoji)
W('emoji.p12', pfx(safe(keybag(k1), certbag(c1, attrs(bmp('a\U0001F600b')))), pw=PW))
# B2: BMPString odd length / lone surrogate
W('lonesurr.p12', pfx(safe(keybag(k1), certbag(c1, attrs(T(0x1e, b'\xd8\x00\x00a')))), pw=PW))
W('oddbmp.p12', pfx(safe(keybag(k1), certbag(c1, attrs(T(0x1e, b'\x00a\x00')))), pw=PW))
# B3: friendly name with embedded NUL
W('nulname.p12', pfx(safe(keybag(k1), certbag(c1, attrs(bmp('ab\0cd')))), pw=PW))
# C: sdsiCertificate bag (should be skipped by both)
W('sdsi.p12', pfx(safe(keybag(k1), certbag(c1, attrs(bmp('x509'))), certbag(b'\x16\x03abc', attrs(bmp('sdsi')), typ=SDSI, wrap=False)), pw=PW))
# D: x509Certificate bag whose octets are not a certificate
W('garbagecert.p12', pfx(safe(keybag(k1), certbag(c1), certbag(b'\x30\x03\x02\x01\x05', attrs(bmp('junk')))), pw=PW))
# D2: certificate in BER (indefinite length outer sequence)
ber = b'\x30\x80' + c1[2+ (c1[1]&0x7f if c1[1]&0x80 else 0):] + b'\0\0'
W('bercert.p12', pfx(safe(keybag(k1), certbag(ber, attrs(bmp('ber')))), pw=PW))
# D3: certificate with trailing garbage inside the octet string
W('trailcert.p12', pfx(safe(keybag(k1), certbag(c1 + b'\x00\x00', attrs(bmp('trail')))), pw=PW))
# E: duplicate certificates
W('dupcert.p12', pfx(safe(keybag(k1), certbag(c2, attrs(bmp('other'))), certbag(c1, attrs(bmp('one'))), certbag(c1, attrs(bmp('two')))), pw=PW))
# F: keyBag after shrouded key; keyBag first then shrouded (with other key)
W('skey-then-key.p12', pfx(safe(skeybag(k1, PW.encode()), keybag(k2), certbag(c2, attrs(bmp('c2'))), certbag(c1, attrs(bmp('c1')))), pw=PW))
W('key-then-skey.p12', pfx(safe(keybag(k2), skeybag(k1, PW.encode()), certbag(c1, attrs(bmp('c1'))), certbag(c2, attrs(bmp('c2')))), pw=PW))
# F2: second key is undecryptable shrouded (wrong password) after the first: PKCS12_parse skips it
W('key-then-badskey.p12', pfx(safe(keybag(k1), skeybag(k2, b'otherpw'), certbag(c1, attrs(bmp('c1')))), pw=PW))
# F3: a broken keyBag after a good key (skipped by OpenSSL)
W('key-then-badkey.p12', pfx(safe(keybag(k1), bag(KEYBAG, SEQ(INT(0))), certbag(c1)), pw=PW))
# G: nested safe contents, depth 3 and depth 10
def nest(b, d):
    for _ in range(d): b = bag(SCBAG, SEQ(b))
    return b
W('nest3.p12', pfx(safe(nest(keybag(k1), 3), nest(certbag(c1, attrs(bmp('deep'))), 3)), pw=PW))
W('nest10.p12', pfx(safe(keybag(k1), nest(certbag(c1, attrs(bmp('deep'))), 10)), pw=PW))
# H: empty safe list; no friendly name; localKeyID only
W('nofn.p12', pfx(safe(keybag(k1, attrs(lkid=b'\1')), certbag(c1, attrs(lkid=b'\1'))), pw=PW))
# I: two cert bags for two keys, key 2 first in file, match the leaf
W('leaf-second.p12', pfx(safe(certbag(c2, attrs(bmp('c2'))), keybag(k1), certbag(c1, attrs(bmp('c1')))), pw=PW))
# J: friendly name as a SET of two values
W('twonames.p12', pfx(safe(keybag(k1), certbag(c1, SET(SEQ(OID(FN), SET(bmp('n1'), bmp('n2')))))), pw=PW))
# K: friendly name of type OCTET STRING / IA5String
W('ia5name.p12', pfx(safe(keybag(k1), certbag(c1, attrs(T(0x16, b'ia5-alias')))), pw=PW))
print('ok')
