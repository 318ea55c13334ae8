import Conveyor
import Testing

@Suite("Job state", .boundedParallelism, .timeLimit(.minutes(10)))
struct JobStateTests {
    @Test(
        "follows its tasks",
        arguments: [
            ([TaskState.available, .available], JobState.queued),
            ([.running, .available], .running),
            ([.completed, .available], .running),
            ([.completed, .completed], .completed),
            ([.discarded, .completed], .failed),
            ([.discarded, .running], .running),
            ([.cancelled, .cancelled], .cancelled),
            ([.blocked, .retryable], .queued),
        ])
    func derive(states: [TaskState], expected: JobState) {
        #expect(JobState.derive(from: states) == expected)
    }
}
