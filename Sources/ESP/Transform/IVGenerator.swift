import IPsecCrypto

/// Unpredictable CBC IVs (RFC 4303 §3.3.2, RFC 3602 §2.3) without a system
/// call per packet: an AES-128-CTR keystream under a per-SA key drawn once
/// from the entropy source, produced in 512-byte batches.
final class IVGenerator {
    private static let batchBytes = 512
    private let keystream: AESCTR
    private let buffer: UnsafeMutableRawBufferPointer
    private var position: Int
    private var batch: UInt64 = 0

    init(entropy: inout some EntropySource) throws(ESPError) {
        var seed = [UInt8](repeating: 0, count: 20)
        seed.withUnsafeMutableBytes { entropy.fill($0) }
        do { keystream = try AESCTR(keyingMaterial: SecretBytes(seed)) } catch { throw .configuration(error) }
        for i in seed.indices { seed[i] = 0 }
        buffer = .allocate(byteCount: Self.batchBytes, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        position = Self.batchBytes
    }

    deinit {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.deallocate()
    }

    /// Writes `count` (≤ 16) fresh bytes to `destination`.
    @inline(__always)
    func next(into destination: UnsafeMutableRawPointer, count: Int) {
        if position + count > Self.batchBytes { refill() }
        destination.copyMemory(from: buffer.baseAddress! + position, byteCount: count)
        position += count
    }

    private func refill() {
        batch &+= 1
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        var counter = batch.bigEndian
        withUnsafeBytes(of: &counter) { iv in
            // AES-CTR over zeros: the keystream itself. Cannot fail once keyed.
            try! keystream.crypt(iv: iv, inPlace: buffer)
        }
        position = 0
    }
}
