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

#endif
