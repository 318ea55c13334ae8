import Conveyor
import ConveyorTesting
import Foundation
import Testing

@Suite("Batch enqueue", .boundedParallelism, .timeLimit(.minutes(10)))
struct BatchEnqueueTests {
    @Test(
        "a batch returns each task's id in the order given, ascending, each naming the task it was given for",
        arguments: TestDriver.allCases)
    func idsInOrder(driver: TestDriver) async throws {
        try await driver.withDatabase { client in
            // More rows than one SQLite statement carries, two queues, some tasks delayed.
            let later = Date().addingTimeInterval(3600)
            let tasks = (0..<1_200).map { index in
                NewTask(
                    kind: "batch-\(index % 3)", input: #"{"n":\#(index)}"#,
                    queue: index.isMultiple(of: 2) ? "even" : "odd",
                    runAt: index.isMultiple(of: 5) ? later : nil)
            }
            let jobs = try await client.enqueueMany(tasks)
            #expect(jobs.count == tasks.count)
            let ids = jobs.map { $0.taskIDs[0] }
            #expect(zip(ids, ids.dropFirst()).allSatisfy { $0.rawValue < $1.rawValue })
            for (index, id) in ids.enumerated() {
                let task = try #require(try await client.task(id), "task \(index)")
                #expect(task.kind == tasks[index].kind)
                #expect(task.queue == tasks[index].queue)
                #expect(task.input.replacingOccurrences(of: " ", with: "") == tasks[index].input)
                #expect(task.state == (index.isMultiple(of: 5) ? .scheduled : .available))
            }
            #expect(try await client.enqueueMany([NewTask]()).isEmpty)
        }
    }
}
