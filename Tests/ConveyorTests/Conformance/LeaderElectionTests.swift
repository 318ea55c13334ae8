import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Leader election", .boundedParallelism, .timeLimit(.minutes(10)))
struct LeaderElectionTests {
    @Test(
        "one of two contenders wins; the seat is kept by re-election and taken over after expiry",
        arguments: TestDriver.allCases)
    func electionAndTakeover(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let t0 = Date()
            let elect = { (id: String, at: Double) async throws -> Bool in
                try await client.driver.leaderAttemptElect(
                    .init(leaderID: id, ttl: .seconds(10), now: t0.addingTimeInterval(at)))
            }
            var outcomes: [Bool] = []
            outcomes.append(try await elect("a", 0))
            outcomes.append(try await elect("b", 1))
            // Re-election extends a's seat to 15 s.
            outcomes.append(try await elect("a", 5))
            outcomes.append(try await elect("b", 12))
            // a stopped re-electing: b takes over once the seat has expired.
            outcomes.append(try await elect("b", 16))
            outcomes.append(try await elect("a", 17))
            outcomes.append(try await elect("b", 18))
            #expect(outcomes == [true, false, true, false, true, false, true])
        }
    }

    @Test("resigning frees the seat at once, but only for its holder", arguments: TestDriver.allCases)
    func resign(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            #expect(try await d.leaderAttemptElect(.init(leaderID: "a", ttl: .seconds(60))))
            try await d.leaderResign(.init(leaderID: "b"))
            #expect(try await d.leaderAttemptElect(.init(leaderID: "b", ttl: .seconds(60))) == false)
            try await d.leaderResign(.init(leaderID: "a"))
            #expect(try await d.leaderAttemptElect(.init(leaderID: "b", ttl: .seconds(60))))
            // Seats of different names are independent.
            #expect(try await d.leaderAttemptElect(.init(name: "other", leaderID: "a", ttl: .seconds(60))))
        }
    }

    @Test("of many contenders at the same moment exactly one wins", arguments: TestDriver.allCases)
    func concurrentContenders(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            let d = client.driver
            let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let id = "contender-\(index)"
                        return try await d.leaderAttemptElect(.init(leaderID: id, ttl: .seconds(60))) ? id : nil
                    }
                }
                return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(winners.count == 1)
        }
    }
}
