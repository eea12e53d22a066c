#ifndef SWIFT_IKEV1_COPENSSL_SHIM_H
#define SWIFT_IKEV1_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* HMAC on an EVP_MAC context: sets the digest by name and the key. */
static inline int swift_ikev1_hmac_init(EVP_MAC_CTX *ctx, const char *digest,
                                        const unsigned char *key, size_t keylen) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(ctx, key, keylen, params);
}

/* Sets the tag length of an AEAD cipher context (GCM) for decryption. */
static inline int swift_ikev1_aead_set_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, len, tag);
}

/* Reads the tag of an AEAD cipher context (GCM) after encryption. */
static inline int swift_ikev1_aead_get_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, len, tag);
}

#endif
