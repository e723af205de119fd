# make_legacy_wrapped_key.py ITERATIONS OUT: an "ENCRYPTED PRIVATE KEY" PEM
# block with a Proc-Type: 4,ENCRYPTED header (password "pw"), encrypted
# twice: OpenSSL's PEM decoder removes the header's layer (one MD5
# derivation), then runs the PBKDF2 of the EncryptedPrivateKeyInfo inside
# with ITERATIONS. legacy-wrapped-encrypted-key.pem.in asks for 2^31 - 1.
import sys, os, hashlib, subprocess, base64
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import der
ITER = int(sys.argv[1]); out = sys.argv[2]; pw = b"pw"
subprocess.run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out /tmp/r2k.pem 2>/dev/null && openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048 -outform DER -passout pass:pw -in /tmp/r2k.pem -out /tmp/r2k.der", shell=True, check=True)
t = der.parse(open("/tmp/r2k.der","rb").read())[0]
pbkdf2_params = t.children[0].children[1].children[0].children[1]
pbkdf2_params.children[1] = der.integer(ITER)
epki = t.enc()
iv = os.urandom(16); key = hashlib.md5(pw + iv[:8]).digest()
ct = subprocess.run(["openssl","enc","-aes-128-cbc","-K",key.hex(),"-iv",iv.hex()], input=epki, capture_output=True, check=True).stdout
b64 = base64.encodebytes(ct).decode()
open(out,"w").write("-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,%s\n\n%s-----END ENCRYPTED PRIVATE KEY-----\n" % (iv.hex().upper(), b64))
