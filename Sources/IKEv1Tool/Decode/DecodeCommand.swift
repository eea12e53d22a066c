import ArgumentParser
import Foundation
import PacketCapture

/// `ikev1 decode FILE [--keys SECRETS] [--format jsonl|text] [--verbose]`.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode the ISAKMP, ESP, AH and NAT-keepalive packets of a pcap or pcapng capture.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, text }

    @Argument(help: "A pcap or pcapng capture.")
    var file: String

    @Option(help: "Output format: jsonl (one JSON object per packet) or text (one line per packet).")
    var format: Format = .text

    @Flag(name: .shortAndLong, help: "With --format text, print every payload's fields.")
    var verbose = false

    @Option(help: ArgumentHelp("Secrets: a JSON keys file (PSK and DH shared secrets, or explicit keys), "
        + "or a Wireshark ikev1_decryption_table / esp_sa file.", valueName: "SECRETS"))
    var keys: String?

    @Option(help: ArgumentHelp("Write Wireshark's ikev1_decryption_table and esp_sa for every SA derived.", valueName: "DIR"))
    var exportWireshark: String?

    mutating func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        var inspector = CaptureInspector()
        var decryptor: SessionDecryptor?
        if let keys {
            do {
                decryptor = SessionDecryptor(secrets: try Secrets.load(path: keys))
            } catch {
                throw ValidationError("\(error)")
            }
            inspector.decryptor = decryptor
        } else if exportWireshark != nil {
            throw ValidationError("--export-wireshark needs --keys")
        }
        let records: [DecodeRecord]
        do {
            records = try inspector.inspect([UInt8](data))
        } catch {
            throw ValidationError("\(file): \(error)")
        }
        for r in records {
            switch format {
            case .jsonl: print(DecodeOutput.json(r).serialized())
            case .text: print(DecodeOutput.text(r, verbose: verbose))
            }
        }
        if let exportWireshark, let decryptor {
            try WiresharkExport.write(decryptor, to: exportWireshark)
        }
    }
}
