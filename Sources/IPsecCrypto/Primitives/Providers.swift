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
    /// Ensures the legacy provider is loaded or throws `providerUnavailable`.
    package static func requireLegacy(for algorithm: String) throws(CryptoError) {
        guard legacyProvidersLoaded else {
            ERR_clear_error()
            throw CryptoError(.providerUnavailable,
                              "\(algorithm) needs OpenSSL's legacy provider, which could not be loaded")
        }
    }
}
