import ISAKMPWire

/// One IPsec-related packet of a capture, as `ikev1 decode` reports it (DESIGN.md).
struct DecodeRecord {
    enum Proto: String { case isakmp, esp, ah, natKeepalive = "nat-keepalive" }

    /// What we learnt of an ISAKMP message.
    struct ISAKMP {
        var header: ISAKMPHeader
        /// Cleartext or decrypted payloads; nil while encrypted and undecrypted.
        var payloads: [Payload]?
        var encrypted: Bool
        /// nil: no keys for this message; true/false: decryption attempted.
        var decrypted: Bool?
        /// nil: no hash to verify (or no keys); otherwise whether HASH/HASH_I/HASH_R verified.
        var hashValid: Bool?
        /// X.509 CERT payloads parsed, by index in `payloads`.
        var certificates: [Int: CertificateReport] = [:]
    }

    /// The message a fragment completed (IKE fragmentation, payload 132), and the frames of its fragments.
    struct Reassembled {
        var frames: [Int]
        var isakmp: ISAKMP
    }

    /// ESP header fields and, with keys, what opening the packet gave.
    struct ESP {
        var spi: UInt32
        var sequence: UInt32
        var icvValid: Bool?
        var nextHeader: UInt8?
        /// Source and destination of an inner IP packet, and its protocol.
        var inner: (source: String, destination: String, protocolNumber: UInt8, length: Int)?
    }

    /// AH header fields (RFC 4302 §2).
    struct AH {
        var nextHeader: UInt8
        /// Length of the AH header including the ICV.
        var length: Int
        var spi: UInt32
        var sequence: UInt32
        var icv: [UInt8]
    }

    var frame: Int
    var source: String
    var destination: String
    var proto: Proto
    var isakmp: ISAKMP?
    /// Set on the frame whose fragment completed a fragmented message.
    var reassembled: Reassembled?
    var esp: ESP?
    var ah: AH?
    /// A clear message when the packet could not be decoded, decrypted or verified.
    var error: String?
}
