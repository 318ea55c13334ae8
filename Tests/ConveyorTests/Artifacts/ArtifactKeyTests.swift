import Conveyor
import Foundation
import Testing

@Suite("Artifact keys", .boundedParallelism, .timeLimit(.minutes(10)))
struct ArtifactKeyTests {
    @Test("a plain key is owner/job/task/name")
    func plainKey() throws {
        let key = try ArtifactKey(owner: "alice", jobID: 42, taskID: 43, name: "chapter-1.mp3")
        #expect(key.storageKey == "alice/42/43/chapter-1.mp3")
        #expect(try ArtifactKey(storageKey: key.storageKey) == key)
    }

    @Test(
        "owners and names with odd characters are percent-encoded into exactly four segments",
        arguments: [
            ("alice@example.com", "chapter 1.mp3", "alice%40example.com/1/2/chapter%201.mp3"),
            ("google-oauth2|1234", "a+b.pdf", "google-oauth2%7C1234/1/2/a%2Bb.pdf"),
            ("org/team", "50%.txt", "org%2Fteam/1/2/50%25.txt"),
            ("émilie", "глава.mp3", "%C3%A9milie/1/2/%D0%B3%D0%BB%D0%B0%D0%B2%D0%B0.mp3"),
            ("..hidden", "...", "..hidden/1/2/..."),
            // No owner (a job enqueued without one) and an owner named "_" never share a folder.
            ("", "a.txt", "_/1/2/a.txt"),
            ("_", "a.txt", "%5F/1/2/a.txt"),
        ]
    )
    func oddCharacters(owner: String, name: String, storageKey: String) throws {
        let key = try ArtifactKey(owner: owner, jobID: 1, taskID: 2, name: name)
        #expect(key.storageKey == storageKey)
        let parsed = try ArtifactKey(storageKey: storageKey)
        #expect(parsed.owner == owner)
        #expect(parsed.name == name)
        #expect(parsed == key)
    }

    @Test(
        "invalid owners and names are refused with a message that says what to fix",
        arguments: [
            ("alice", "", "name is empty"),
            ("..", "a.txt", "reserved"),
            ("alice", "..", "reserved"),
            ("alice", ".", "reserved"),
            ("alice", "../secrets", "slash"),
            ("alice", "a/b.txt", "slash"),
            ("alice", "a\nb.txt", "U+000A"),
            ("ali\u{0}ce", "a.txt", "U+0000"),
            ("alice", "a\u{7F}", "U+007F"),
            ("alice", "a\u{2028}b", "U+2028"),
            ("alice", String(repeating: "x", count: 256), "too long"),
            ("alice", String(repeating: "é", count: 43), "too long"),
        ]
    )
    func invalid(owner: String, name: String, message: String) {
        let error = #expect(throws: ConveyorError.self) {
            try ArtifactKey(owner: owner, jobID: 1, taskID: 2, name: name)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test(
        "a storage key that is not the canonical encoding of a valid key is refused",
        arguments: [
            "alice/1/2", "alice/1/2/a/b", "/1/2/a", "alice//2/a", "alice/x/2/a", "alice/+1/2/a", "alice/01/2/a",
            "alice/1/2/a%2fb", "alice/1/2/a b", "alice/1/2/a%2", "alice/1/2/a%ZZ", "alice/1/2/%FF", "alice/1/2/..",
            "alice/1/2/a%2Fb",
        ]
    )
    func nonCanonicalStorageKey(storageKey: String) {
        #expect(throws: ConveyorError.self) { try ArtifactKey(storageKey: storageKey) }
    }

    @Test("the largest name that fits is accepted")
    func longestName() throws {
        let name = String(repeating: "x", count: ArtifactKey.maximumEncodedSegmentLength)
        let key = try ArtifactKey(owner: "alice", jobID: 1, taskID: 2, name: name)
        #expect(key.name == name)
    }

    @Test("a key encodes as its storage key string")
    func codable() throws {
        let key = try ArtifactKey(owner: "a@b", jobID: 1, taskID: 2, name: "x y")
        let json = try JSONEncoder().encode(key)
        #expect(String(decoding: json, as: UTF8.self) == "\"a%40b\\/1\\/2\\/x%20y\"")
        #expect(try JSONDecoder().decode(ArtifactKey.self, from: json) == key)
    }

    @Test("prefixes end with a slash, so job 4 does not contain job 42")
    func prefixes() throws {
        let key = try ArtifactKey(owner: "a@b", jobID: 42, taskID: 7, name: "x")
        #expect(try ArtifactKeyPrefix.owner("a@b").storagePrefix == "a%40b/")
        #expect(try ArtifactKeyPrefix.job(owner: "a@b", jobID: 42).storagePrefix == "a%40b/42/")
        #expect(try ArtifactKeyPrefix.task(owner: "a@b", jobID: 42, taskID: 7).storagePrefix == "a%40b/42/7/")
        #expect(try ArtifactKeyPrefix.owner("a@b").contains(key))
        #expect(try ArtifactKeyPrefix.job(owner: "a@b", jobID: 42).contains(key))
        #expect(try !ArtifactKeyPrefix.job(owner: "a@b", jobID: 4).contains(key))
        #expect(try !ArtifactKeyPrefix.owner("a").contains(key))
        #expect(try ArtifactKeyPrefix.owner("").storagePrefix == "_/")
        #expect(throws: ConveyorError.self) { try ArtifactKeyPrefix.owner("..") }
    }

    @Test(
        "content types must be type/subtype in printable ASCII",
        arguments: [
            ("audio/mpeg", true), ("application/pdf", true), ("text/plain; charset=utf-8", true),
            ("", false), ("audio", false), ("/mpeg", false), ("audio/", false), ("a/b/c", false),
            ("text/plain\r\nX-Injected: 1", false), ("audio/mpég", false),
        ]
    )
    func contentTypes(contentType: String, valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try ArtifactContentType.check(contentType) }
        } else {
            #expect(throws: ConveyorError.self) { try ArtifactContentType.check(contentType) }
        }
    }
}
