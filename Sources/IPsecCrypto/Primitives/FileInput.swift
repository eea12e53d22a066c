internal import COpenSSL

/// Whole-file reads through libcrypto's BIO, so IPsecCrypto needs no Foundation,
/// and the PEM-or-DER guess shared by key and certificate loading.
enum FileInput {
    /// Files larger than this are not keys or certificate bundles.
    static let limit = 16 << 20

    static func read(_ path: String) throws(CryptoError) -> [UInt8] {
        guard let bio = BIO_new_file(path, "rb") else {
            ERR_clear_error()
            throw CryptoError(.unreadableFile, "cannot open \(path)")
        }
        defer { BIO_free(bio) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { break }
            bytes += chunk[..<Int(n)]
            guard bytes.count <= limit else { throw CryptoError(.unreadableFile, "\(path) is larger than \(limit >> 20) MiB") }
        }
        return bytes
    }

    /// True when the bytes look like PEM text (a "-----BEGIN " line) rather than DER.
    static func isPEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == 0x2D {
            if bytes[start..<start + marker.count].elementsEqual(marker) { return true }
        }
        return false
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T) -> T? {
        bytes.withUnsafeBytes { b in
            guard let bio = BIO_new_mem_buf(b.baseAddress, Int32(b.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Everything written to a fresh memory BIO by `body`.
    static func collect(_ body: (OpaquePointer) -> Int32) -> [UInt8]? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard body(bio) > 0 else { ERR_clear_error(); return nil }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { break }
            out += chunk[..<Int(n)]
        }
        return out
    }
}
