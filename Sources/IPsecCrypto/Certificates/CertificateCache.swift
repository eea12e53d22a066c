internal import COpenSSL

/// Certificates parsed from peers' CERT payloads, by DER encoding: a peer sends the same chain
/// each time it authenticates, and with OpenSSL 3.0 parsing a certificate (its public key goes
/// through the provider decoders) costs more than verifying its signature. Holds the last
/// `capacity` certificates; shared by the copies of the ``TrustStore`` that owns it, across threads.
final class CertificateCache: @unchecked Sendable {
    /// Certificates kept; the oldest is dropped first.
    static let capacity = 64

    private let lock: UnsafeMutableRawPointer
    private var entries: [[UInt8]: Certificate] = [:]
    private var order: [[UInt8]] = []

    init() {
        guard let lock = CRYPTO_THREAD_lock_new() else { fatalError("CRYPTO_THREAD_lock_new failed") }
        self.lock = lock
    }

    deinit { CRYPTO_THREAD_lock_free(lock) }

    /// The certificate `der` encodes: the one parsed before, or parsed now and kept.
    func certificate(der: [UInt8]) throws(CryptoError) -> Certificate {
        CRYPTO_THREAD_read_lock(lock)
        let known = entries[der]
        CRYPTO_THREAD_unlock(lock)
        if let known { return known }
        let certificate = try Certificate(der: der)
        CRYPTO_THREAD_write_lock(lock)
        defer { CRYPTO_THREAD_unlock(lock) }
        if entries.updateValue(certificate, forKey: der) == nil {
            order.append(der)
            if order.count > Self.capacity { entries[order.removeFirst()] = nil }
        }
        return certificate
    }
}
