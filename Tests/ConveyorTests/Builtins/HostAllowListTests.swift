import ConveyorBuiltins
import Testing

@Suite("Host allow-list", .boundedParallelism, .timeLimit(.minutes(10)))
struct HostAllowListTests {
    @Test("hosts, host:port and wildcards match as documented")
    func matches() throws {
        let list = try HostAllowList(["API.example.com", "127.0.0.1:8080", "*.internal.test", "[::1]:9000", " "])
        #expect(list.rawEntries == ["API.example.com", "127.0.0.1:8080", "*.internal.test", "[::1]:9000"])
        #expect(list.allows(host: "api.example.com", port: 443))
        #expect(list.allows(host: "api.EXAMPLE.com", port: 80))
        #expect(!list.allows(host: "example.com", port: 443))
        #expect(!list.allows(host: "evil-api.example.com", port: 443))
        #expect(list.allows(host: "127.0.0.1", port: 8080))
        #expect(!list.allows(host: "127.0.0.1", port: 8081))
        #expect(list.allows(host: "a.b.internal.test", port: 1))
        #expect(!list.allows(host: "internal.test", port: 1))
        #expect(!list.allows(host: "xinternal.test", port: 1))
        #expect(list.allows(host: "::1", port: 9000))
        #expect(try HostAllowList([]).isEmpty)
    }

    @Test(
        "entries that are not hosts are refused with the entry named",
        arguments: ["https://api.example.com", "user@host", "host:0", "host:http", "*.", "ex ample.com", "[::1"])
    func refuses(entry: String) {
        #expect {
            try HostAllowList([entry])
        } throws: { error in
            "\(error)".contains("allowed host '\(entry)'")
        }
    }
}
