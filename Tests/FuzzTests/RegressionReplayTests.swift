import Foundation
@testable import FuzzHarness
import IKEv1
import IPsecTestSupport
import ISAKMPWire
import Testing
import TestSupport

/// Every file in Fixtures/fuzz-regressions/TARGET/ through the code path TARGET's libFuzzer binary
/// runs (Fuzz/Harness, here without the sanitizer): it is accepted or refused with the target's
/// typed error, breaks no invariant, and does not trap (a trap ends this test run).
@Suite struct RegressionReplayTests {
    static func inputs(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let dir = "fuzz-regressions/\(target.rawValue)"
        return try Fixtures.names(in: dir).map { name in (name, try Fixtures.bytes("\(dir)/\(name)")) }
    }

    @Test(arguments: try nonEmpty(FuzzTarget.allCases))
    func replay(_ target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "Fixtures/fuzz-regressions/\(target.rawValue) has no inputs")
        for input in inputs {
            do {
                if case .rejected(let type, let message) = try target.run(input.bytes) {
                    #expect(target.errorTypes.contains(type), "\(input.name): rejected with \(type): \(message)")
                }
            } catch {
                Issue.record("\(target.rawValue)/\(input.name): \(error)")
            }
        }
    }

    /// The fragment target's regression inputs (written by hand, Fixtures/README.md) complete
    /// messages, repeat a fragment and reach every reason a fragment or partial message is dropped for.
    @Test func fragmentRegressionsReachEveryOutcome() throws {
        var total = FragmentCounters()
        for input in try Self.inputs(.fragment) {
            let c = try FragmentTarget.replay(input.bytes)
            total.completed += c.completed
            total.duplicates += c.duplicates
            total.dropped.merge(c.dropped, uniquingKeysWith: +)
        }
        #expect(total.completed >= 7 && total.duplicates >= 1)
        for reason in FragmentDropReason.allCases { #expect(total.dropped[reason, default: 0] > 0, "\(reason)") }
    }

    /// The engine target reaches every exchange in both roles: a real datagram, the same payloads
    /// sealed by the harness, and sealed with a HASH it computes, are all accepted where they
    /// belong (so sealing and HASH(1)/(2)/(3) and the Informational HASH match the engine's).
    @Test func engineStagesCoverEveryExchangeInBothRoles() throws {
        let stages = EngineScenario.stages
        let reached = Set(stages.map { "\($0.header.exchangeType.rawValue) to \($0.delivery.to)" })
        for exchange in [ExchangeType.mainMode, .aggressive, .quickMode, .informational] {
            for side in ["a", "b"] { #expect(reached.contains("\(exchange.rawValue) to \(side)"), "\(reached.sorted())") }
        }
        #expect(stages.filter { $0.header.exchangeType == .mainMode }.count == 6)
        #expect(stages.filter { $0.header.exchangeType == .aggressive }.count == 3)
        #expect(stages.filter { $0.header.flags.contains(.encryption) && $0.hash != nil }.count >= 12)
        let seeds = EngineTarget.seeds()
        #expect(seeds.count > 3 * stages.count)
        for seed in seeds where seed[1] != 5 {
            #expect(try EngineTarget.run(seed) == .accepted, "stage \(seed[0]) mode \(seed[1])")
        }
    }

    /// A flipped HASH does not authenticate (Quick Mode 1, Main Mode 5 and 6, Aggressive Mode 3),
    /// and sealing with `authenticate` puts in the HASH the receiver expects.
    @Test(arguments: [(ExchangeType.quickMode, "b"), (.mainMode, "b"), (.mainMode, "a"), (.aggressive, "b")])
    func flippedHashIsRefusedAndAuthenticateRestoresIt(_ exchange: ExchangeType, to side: String) throws {
        let stages = EngineScenario.stages
        let i = try #require(stages.lastIndex { $0.header.exchangeType == exchange && $0.delivery.to.rawValue == side && $0.hash != nil })
        let stage = stages[i]
        let payloads = try #require(stage.receiver.inspect(Array(stage.delivery.bytes.dropFirst(stage.marker.count))))
        var chain = PayloadChain.encode(payloads)
        let h = try #require(payloads.firstIndex { $0.type == .hash })
        chain[PayloadChain.encode(Array(payloads[..<h])).count + 4] ^= 1
        let forged = try EngineTarget.run([UInt8(i), 1, payloads[0].type.rawValue] + chain)
        guard case .rejected(let type, let message) = forged else { Issue.record("a flipped HASH was accepted"); return }
        #expect(type == "IKEv1.IKEv1Error" && message.contains("HASH"), "\(message)")
        #expect(try EngineTarget.run([UInt8(i), 3, payloads[0].type.rawValue] + chain) == .accepted)
    }
}
