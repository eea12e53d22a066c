internal import COpenSSL

/// Loads OpenSSL 3's `legacy` provider (for DES) together with `default`,
/// once per process; Swift initializes globals exactly once, thread-safely.
private let legacyProvidersLoaded: Bool = {
    // Loading any provider explicitly disables the implicit default provider,
    // so load both, default first: a fetch on another thread in between
    // (3DES, AES) must never see only the legacy provider.
    let defaults = OSSL_PROVIDER_load(nil, "default")
    let legacy = OSSL_PROVIDER_load(nil, "legacy")
    return legacy != nil && defaults != nil
}()

package enum Providers {
    /// Fetches the cipher `name`. A fetch that runs while another thread loads a provider can
    /// fail although the cipher exists (OpenSSL issue 17633, 3.0): on failure it waits for the
    /// one load this process makes, then tries once more. nil when libcrypto has no such cipher.
    package static func cipher(_ name: String) -> OpaquePointer? {
        if let cipher = EVP_CIPHER_fetch(nil, name, nil) { return cipher }
        _ = legacyProvidersLoaded
        ERR_clear_error()
        return EVP_CIPHER_fetch(nil, name, nil)
    }

    /// Ensures the legacy provider is loaded or throws `providerUnavailable`.
    package static func requireLegacy(for algorithm: String) throws(CryptoError) {
        guard legacyProvidersLoaded else {
            ERR_clear_error()
            throw CryptoError(.providerUnavailable,
                              "\(algorithm) needs OpenSSL's legacy provider, which could not be loaded")
        }
    }
}
