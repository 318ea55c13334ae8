import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Access tokens", .boundedParallelism, .timeLimit(.minutes(10)))
struct TokenTests {
    @Test("a token is found by its hash until revoked, by id or by hash", arguments: TestDriver.allCases)
    func lifecycle(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let alice = try await d.tokenInsert(.init(owner: "alice", role: .owner, sha256: "aa", label: "phone"))
            let admin = try await d.tokenInsert(.init(owner: "ops", role: .admin, sha256: "bb", label: nil))
            #expect(alice.owner == "alice")
            #expect(alice.role == .owner)
            #expect(alice.label == "phone")
            #expect(alice.revokedAt == nil)
            #expect(admin.role == .admin)

            #expect(try await d.tokenFindActive(sha256: "aa")?.id == alice.id)
            #expect(try await d.tokenFindActive(sha256: "cc") == nil)

            #expect(try await d.tokenRevoke(.id(alice.id)))
            #expect(try await d.tokenFindActive(sha256: "aa") == nil)
            #expect(try await d.tokenRevoke(.id(alice.id)) == false)
            #expect(try await d.tokenRevoke(.sha256("bb")))
            #expect(try await d.tokenFindActive(sha256: "bb") == nil)
            #expect(try await d.tokenRevoke(.sha256("none")) == false)

            let listed = try await d.tokenList()
            #expect(listed.map(\.id) == [alice.id, admin.id])
            #expect(listed.allSatisfy { $0.revokedAt != nil })
        }
    }

    @Test("two tokens cannot share a hash", arguments: TestDriver.allCases)
    func uniqueHash(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            _ = try await client.driver.tokenInsert(.init(owner: "a", role: .owner, sha256: "same", label: nil))
            await #expect(throws: ConveyorError.self) {
                _ = try await client.driver.tokenInsert(.init(owner: "b", role: .owner, sha256: "same", label: nil))
            }
        }
    }
}
