import ESP
import IPsecCrypto

/// Benchmark material for one thread (used by `ikev1 bench esp` and the
/// Benchmarks package, not by the data path): an outbound and an inbound SA,
/// the raw-libcrypto baseline keyed alike, and the buffers both work on.
/// Sealing runs in transport mode in place, again and again, on one buffer;
/// opening copies one sealed packet into the work buffer first (both sides
/// alike), with anti-replay off since the same packet is opened every time.
public final class ESPBenchWorkload {
    /// What is measured.
    public enum Direction: String, CaseIterable, Sendable {
        /// Outbound: pad, encrypt, ICV.
        case seal
        /// Inbound: ICV, decrypt, padding check.
        case open
    }

    /// Payload bytes per packet.
    public let size: Int
    private let outbound: ESPOutboundSA
    private let inbound: ESPInboundSA
    private let baseline: RawEVPBaseline
    /// Headroom | payload | tailroom for sealing in place.
    private let sealBuffer: UnsafeMutableRawBufferPointer
    private let payload: Range<Int>
    /// A sealed packet kept pristine, and the buffer each open works on.
    private let pristine: UnsafeMutableRawBufferPointer
    private let openBuffer: UnsafeMutableRawBufferPointer
    private let packetLength: Int

    /// The algorithms `name` gives in the proposal notation (`aes128gcm16`, `aes128-sha1`,
    /// `aes256-sha256`, `3des-sha1`…): one AEAD, or one cipher with one integrity algorithm.
    public static func parse(_ name: String) -> (EncryptionAlgorithm, IntegrityAlgorithm?)? {
        guard let list = try? ProposalList(parsing: name), !list.strict, list.proposals.count == 1 else { return nil }
        let p = list.proposals[0]
        guard p.encryption.count == 1, p.integrity.count == (p.encryption[0].isAEAD ? 0 : 1),
              p.prf.isEmpty, p.groups.isEmpty, p.esn.isEmpty else { return nil }
        return (p.encryption[0], p.integrity.first)
    }

    /// Keys fresh SAs and a baseline for `algorithm` and checks that each opens the other's packets.
    public init(algorithm: String, size: Int) throws {
        guard let (encryption, integrity) = Self.parse(algorithm) else {
            throw CryptoError(.invalidProposal, "unknown algorithm '\(algorithm)'")
        }
        self.size = size
        var entropy = SystemEntropy()
        let key = entropy.bytes(encryption.keyingMaterialLength)
        let integrityKey = entropy.bytes(integrity?.keyLength ?? 0)
        func sa(_ direction: SecurityAssociation.Direction) -> SecurityAssociation {
            // Transport mode so the payload (ciphertext after the first seal) needs no IP header;
            // anti-replay off for open, which reopens one packet again and again.
            SecurityAssociation(spi: 0x0BE5_0001, direction: direction, encryption: encryption, integrity: integrity,
                    encryptionKey: SecretBytes(key), integrityKey: SecretBytes(integrityKey),
                    mode: .transport, replayWindow: 0)
        }
        outbound = try ESPOutboundSA(sa(.outbound), entropy: &entropy)
        inbound = try ESPInboundSA(sa(.inbound))
        baseline = try RawEVPBaseline(encryption: encryption, integrity: integrity, key: key, integrityKey: integrityKey)

        let head = outbound.headroom
        sealBuffer = .allocate(byteCount: head + size + outbound.maximumTailroom, alignment: 64)
        sealBuffer.initializeMemory(as: UInt8.self, repeating: 0x5A)
        payload = head..<(head + size)
        let sealed = try outbound.seal(sealBuffer, payload: payload, nextHeader: 17)
        packetLength = sealed.packet.count
        pristine = .allocate(byteCount: packetLength, alignment: 64)
        pristine.copyMemory(from: UnsafeRawBufferPointer(rebasing: sealBuffer[sealed.packet]))
        openBuffer = .allocate(byteCount: packetLength, alignment: 64)
        openBuffer.copyMemory(from: UnsafeRawBufferPointer(pristine))
        // The two implementations must agree before they are timed.
        guard baseline.open(openBuffer) else { throw CryptoError(.authenticationFailed, "baseline cannot open an ESP packet") }
        openBuffer.copyMemory(from: UnsafeRawBufferPointer(pristine))
        _ = try inbound.open(openBuffer, packet: 0..<packetLength)
    }

    deinit {
        sealBuffer.deallocate()
        pristine.deallocate()
        openBuffer.deallocate()
    }

    /// Bytes of ESP packet per operation.
    public var wireLength: Int { packetLength }

    /// Runs `count` operations with the ESP module.
    @inline(never)
    public func runOurs(_ direction: Direction, count: Int) throws(ESPError) {
        switch direction {
        case .seal:
            for _ in 0..<count { _ = try outbound.seal(sealBuffer, payload: payload, nextHeader: 17) }
        case .open:
            for _ in 0..<count {
                openBuffer.copyMemory(from: UnsafeRawBufferPointer(pristine))
                _ = try inbound.open(openBuffer, packet: 0..<packetLength)
            }
        }
    }

    /// Runs `count` operations with direct libcrypto calls on the same buffers.
    @inline(never)
    public func runBaseline(_ direction: Direction, count: Int) {
        let packet = UnsafeMutableRawBufferPointer(rebasing: openBuffer[0..<packetLength])
        switch direction {
        case .seal:
            for _ in 0..<count { baseline.seal(packet) }
        case .open:
            for _ in 0..<count {
                openBuffer.copyMemory(from: UnsafeRawBufferPointer(pristine))
                precondition(baseline.open(packet))
            }
        }
    }
}
