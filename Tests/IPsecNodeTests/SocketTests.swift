import IKEv1
import IPsecNode
import Testing

/// The node's I/O pieces on loopback only.
struct SocketTests {
    @Test func datagramsCrossLoopback() throws {
        let a = try UDPSocket(bindTo: SocketAddress("127.0.0.1", defaultPort: 0)!)
        let b = try UDPSocket(bindTo: SocketAddress("127.0.0.1", defaultPort: 0)!)
        #expect(a.local.port != 0 && a.local.port != b.local.port)
        try a.send([0, 0, 0, 0, 1, 2, 3], to: b.local)
        let ready = try Poller().readable([b.fd], timeoutMilliseconds: 1000)
        #expect(ready == [b.fd])
        var buffer = [UInt8](repeating: 0, count: 2048)
        let got = try buffer.withUnsafeMutableBytes { try b.receive(into: $0) }
        #expect(got?.count == 7)
        #expect(got?.from == a.local)
        #expect(Array(buffer.prefix(7)) == [0, 0, 0, 0, 1, 2, 3])
        // Nothing more is waiting: a non-blocking receive says so instead of blocking.
        #expect(try buffer.withUnsafeMutableBytes { try b.receive(into: $0) } == nil)
    }

    @Test func bindingATakenPortIsAClearError() throws {
        let a = try UDPSocket(bindTo: SocketAddress("127.0.0.1", defaultPort: 0)!)
        do {
            _ = try UDPSocket(bindTo: a.local)
            Issue.record("second bind succeeded")
        } catch {
            #expect(error.description.contains("bind"))
        }
    }

    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1:500"), ("192.0.2.1:4500", "192.0.2.1:4500"),
        ("2001:db8::1", "[2001:db8::1]:500"), ("[2001:db8::1]:4500", "[2001:db8::1]:4500"),
    ])
    func addressesParseAndPrint(text: String, printed: String) {
        #expect(SocketAddress(text, defaultPort: 500)?.description == printed)
    }

    @Test func badAddressesAreRejected() {
        #expect(SocketAddress("300.1.1.1", defaultPort: 500) == nil)
        #expect(SocketAddress("host.example", defaultPort: 500) == nil)
        #expect(SocketAddress("192.0.2.1:99999", defaultPort: 500) == nil)
    }
}
