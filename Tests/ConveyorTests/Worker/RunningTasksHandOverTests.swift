import Testing

@testable import Conveyor

/// A leader whose place is being handed over to a follower is never reported as returned: a
/// claim of the same worker must not count its place as free while the follower may take it.
@Suite("Running attempts during a hand-over", .boundedParallelism, .timeLimit(.minutes(10)))
struct RunningTasksHandOverTests {
    @Test("a returned handler frees its place, unless a follower is being reserved for it")
    func handOverKeepsThePlace() {
        let running = RunningTasks()
        let leader = TaskID(1)
        let other = TaskID(2)
        running.insert(leader, attempt: 1)
        running.insert(other, attempt: 1)
        #expect(running.beginHandOver(leader, attempt: 1))
        _ = running.handlerFinished(leader, attempt: 1)
        _ = running.handlerFinished(other, attempt: 1)
        #expect(running.handlersReturned == [other: 1])
        // No follower after all: the place is the leader's again, and it has returned.
        running.endHandOver(leader, attempt: 1)
        #expect(running.handlersReturned == [leader: 1, other: 1])
    }

    @Test("no hand-over once the handler has returned, or for an attempt not held")
    func noHandOverAfterReturn() {
        let running = RunningTasks()
        let task = TaskID(1)
        running.insert(task, attempt: 2)
        _ = running.handlerFinished(task, attempt: 2)
        #expect(!running.beginHandOver(task, attempt: 2))
        #expect(!running.beginHandOver(task, attempt: 1))
        #expect(!running.beginHandOver(TaskID(9), attempt: 1))
        #expect(running.handlersReturned == [task: 2])
    }
}
