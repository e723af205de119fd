/* mkenc OUT PASS BAG.der...: a PKCS#12 file whose one encrypted safe
 * (PBES2/AES-256-CBC, 2,048 iterations) holds the given SafeBags, with a
 * valid HMAC-SHA256 MAC of 2,048 iterations. */
#include <openssl/pkcs12.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    STACK_OF(PKCS12_SAFEBAG) *bags = sk_PKCS12_SAFEBAG_new_null();
    STACK_OF(PKCS7) *safes = NULL;
    for (int i = 3; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb"); unsigned char buf[65536];
        long n = fread(buf, 1, sizeof buf, f); fclose(f);
        const unsigned char *p = buf;
        PKCS12_SAFEBAG *bag = d2i_PKCS12_SAFEBAG(NULL, &p, n);
        if (!bag) { ERR_print_errors_fp(stderr); return 1; }
        sk_PKCS12_SAFEBAG_push(bags, bag);
    }
    if (!PKCS12_add_safe(&safes, bags, NID_aes_256_cbc, 2048, argv[2])) { ERR_print_errors_fp(stderr); return 1; }
    PKCS12 *p12 = PKCS12_add_safes(safes, 0);
    if (!p12 || !PKCS12_set_mac(p12, argv[2], -1, NULL, 0, 2048, EVP_sha256())) { ERR_print_errors_fp(stderr); return 1; }
    FILE *o = fopen(argv[1], "wb"); i2d_PKCS12_fp(o, p12); fclose(o);
    return 0;
}
