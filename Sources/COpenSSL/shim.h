#ifndef SWIFT_IKEV1_COPENSSL_SHIM_H
#define SWIFT_IKEV1_COPENSSL_SHIM_H

#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* OPENSSL_free is a macro; Swift cannot call it directly. */
static inline void swift_ikev1_openssl_free(void *p) { OPENSSL_free(p); }

/* Sets the tag length of an AEAD cipher context (GCM) for decryption. */
static inline int swift_ikev1_aead_set_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, len, tag);
}

/* Sets the nonce length of an AEAD cipher context (CCM: 15 - L). */
static inline int swift_ikev1_aead_set_ivlen(EVP_CIPHER_CTX *ctx, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, len, NULL);
}

/* Reads the tag of an AEAD cipher context (GCM) after encryption. */
static inline int swift_ikev1_aead_get_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, len, tag);
}

/*
 * Allocation-free HMAC (RFC 2104) for the ESP hot path. OpenSSL 3.0's EVP_MAC
 * duplicates its digest state (two mallocs) every time an HMAC is restarted
 * with the same key; these plain digest states are copied by value instead.
 * alg: 0 MD5, 1 SHA-1, 2 SHA-256, 3 SHA-384, 4 SHA-512.
 */
typedef union {
    MD5_CTX md5;
    SHA_CTX sha1;
    SHA256_CTX sha256;
    SHA512_CTX sha512;
} swift_ikev1_digest_state;

typedef struct {
    int alg;
    swift_ikev1_digest_state inner, outer, work;
} swift_ikev1_hmac_state;

static inline size_t swift_ikev1_digest_block(int alg) { return alg >= 3 ? 128 : 64; }

static inline void swift_ikev1_digest_init(int alg, swift_ikev1_digest_state *s) {
    switch (alg) {
    case 0: MD5_Init(&s->md5); break;
    case 1: SHA1_Init(&s->sha1); break;
    case 2: SHA256_Init(&s->sha256); break;
    case 3: SHA384_Init(&s->sha512); break;
    default: SHA512_Init(&s->sha512); break;
    }
}

static inline void swift_ikev1_digest_update(int alg, swift_ikev1_digest_state *s, const void *d, size_t n) {
    switch (alg) {
    case 0: MD5_Update(&s->md5, d, n); break;
    case 1: SHA1_Update(&s->sha1, d, n); break;
    case 2: SHA256_Update(&s->sha256, d, n); break;
    case 3: SHA384_Update(&s->sha512, d, n); break;
    default: SHA512_Update(&s->sha512, d, n); break;
    }
}

static inline void swift_ikev1_digest_final(int alg, swift_ikev1_digest_state *s, unsigned char *out) {
    switch (alg) {
    case 0: MD5_Final(out, &s->md5); break;
    case 1: SHA1_Final(out, &s->sha1); break;
    case 2: SHA256_Final(out, &s->sha256); break;
    case 3: SHA384_Final(out, &s->sha512); break;
    default: SHA512_Final(out, &s->sha512); break;
    }
}

/* Keys the state: inner = H(K ^ ipad | ...), outer = H(K ^ opad | ...). */
static inline void swift_ikev1_hmac_set_key(swift_ikev1_hmac_state *h, int alg,
                                            const unsigned char *key, size_t keylen) {
    unsigned char block[128], pad[128];
    size_t bs = swift_ikev1_digest_block(alg), i;
    h->alg = alg;
    memset(block, 0, sizeof block);
    if (keylen > bs) {
        swift_ikev1_digest_init(alg, &h->work);
        swift_ikev1_digest_update(alg, &h->work, key, keylen);
        swift_ikev1_digest_final(alg, &h->work, block);
    } else if (keylen > 0) {
        memcpy(block, key, keylen);
    }
    for (i = 0; i < bs; i++) pad[i] = block[i] ^ 0x36;
    swift_ikev1_digest_init(alg, &h->inner);
    swift_ikev1_digest_update(alg, &h->inner, pad, bs);
    for (i = 0; i < bs; i++) pad[i] = block[i] ^ 0x5c;
    swift_ikev1_digest_init(alg, &h->outer);
    swift_ikev1_digest_update(alg, &h->outer, pad, bs);
    h->work = h->inner;
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}

static inline void swift_ikev1_hmac_reset(swift_ikev1_hmac_state *h) { h->work = h->inner; }

static inline void swift_ikev1_hmac_update(swift_ikev1_hmac_state *h, const void *d, size_t n) {
    swift_ikev1_digest_update(h->alg, &h->work, d, n);
}

/* Writes the full MAC (digest length) to out (64 bytes of room). */
static inline void swift_ikev1_hmac_final(swift_ikev1_hmac_state *h, unsigned char *out) {
    static const size_t lengths[] = {16, 20, 32, 48, 64};
    swift_ikev1_digest_final(h->alg, &h->work, out);
    h->work = h->outer;
    swift_ikev1_digest_update(h->alg, &h->work, out, lengths[h->alg]);
    swift_ikev1_digest_final(h->alg, &h->work, out);
    h->work = h->inner;
}

#endif
