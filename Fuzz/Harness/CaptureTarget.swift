import PacketCapture

/// The capture reader, the packet decoder and the fragment reassembler on arbitrary files.
/// Invariant: no more records than the file can hold (a record header is at least 12 bytes).
enum CaptureTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        var reader: CaptureReader
        do { reader = try CaptureReader(bytes: bytes) } catch { return .rejected(error) }
        var reassembler = FragmentReassembler()
        let results = reader.readAll()
        try FuzzViolation.check(results.count <= bytes.count / 12 + 2, "\(results.count) records from \(bytes.count) bytes")
        var outcome = FuzzOutcome.accepted
        for result in results {
            switch result {
            case .success(let frame):
                let packet = PacketDecoder.decode(frame)
                _ = reassembler.add(packet)
                _ = packet.sourceDescription
            case .failure(let error): outcome = .rejected(error)
            }
        }
        return outcome
    }
}
