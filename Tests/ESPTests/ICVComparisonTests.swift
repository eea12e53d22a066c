import IPsecCrypto
import Testing
@testable import ESP
import TestSupport

/// Issue 8's security list, the ICV item: for every ESP transform, an ICV wrong in its first byte
/// and one wrong in its last byte are refused alike and leave the SA as it was (the comparison
/// itself is `constantTimeEqual`, or OpenSSL's tag check for AEADs; IKEv1Tests' SecurityTests
/// audits the sources for it).
@Suite struct ICVComparisonTests {
    @Test(arguments: try nonEmpty(RoundTripTests.cases))
    func firstAndLastICVByteFlipsFailAlike(c: RoundTripTests.Case) throws {
        let (out, inbound) = try RoundTripTests.pair(c)
        let good = try out.seal(RoundTripTests.ipv4Packet(length: 64))
        let icvLength = inbound.geometry.icvLength
        #expect(icvLength >= 8)
        let state = ErrorTests.State(inbound)
        var first = good, last = good
        first[good.count - icvLength] ^= 0x01
        last[good.count - 1] ^= 0x80
        #expect(espError { try inbound.open(first) } == .authenticationFailed)
        #expect(espError { try inbound.open(last) } == .authenticationFailed)
        #expect(ErrorTests.State(inbound) == state)
        #expect(try inbound.open(good).sequence == 1)
    }
}
