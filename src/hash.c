#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

struct kva_sha256 {
    EVP_MD_CTX *ctx;
};

kva_sha256 *kva_sha256_new(void)
{
    kva_sha256 *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        free(h);
        return NULL;
    }
    return h;
}

void kva_sha256_update(kva_sha256 *h, const void *buf, size_t len)
{
    if (len)
        EVP_DigestUpdate(h->ctx, buf, len);
}

static void to_hex(const unsigned char *md, unsigned int n, char hex[65])
{
    static const char digits[] = "0123456789abcdef";

    for (unsigned int i = 0; i < n && i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void kva_sha256_final(kva_sha256 *h, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, md, &n);
    to_hex(md, n, hex);
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void kva_sha256_buf(const void *buf, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
    to_hex(md, n, hex);
}

kva_error kva_sha256_file(const char *path, char hex[65])
{
    unsigned char buf[1 << 16];
    size_t n;
    kva_sha256 *h;
    FILE *f = fopen(path, "rb");

    if (!f)
        return KVA_ERR_IO;
    h = kva_sha256_new();
    if (!h) {
        fclose(f);
        return KVA_ERR_NOMEM;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        kva_sha256_update(h, buf, n);
    kva_sha256_final(h, hex);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        errno = e;
        return KVA_ERR_IO;
    }
    fclose(f);
    return KVA_OK;
}
