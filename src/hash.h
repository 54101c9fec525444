#ifndef KVA_HASH_H
#define KVA_HASH_H

#include <stddef.h>

#include "diag.h"

/* SHA-256 through OpenSSL's EVP interface, as lower-case hex. */

typedef struct kva_sha256 kva_sha256;

/* Incremental: new, update (any number of times), final (frees). NULL from
 * new means out of memory. */
kva_sha256 *kva_sha256_new(void);
void kva_sha256_update(kva_sha256 *h, const void *buf, size_t len);
void kva_sha256_final(kva_sha256 *h, char hex[65]);

void kva_sha256_buf(const void *buf, size_t len, char hex[65]);

/* Hash a whole file; KVA_ERR_IO (errno set) when it cannot be read. */
kva_error kva_sha256_file(const char *path, char hex[65]);

#endif
