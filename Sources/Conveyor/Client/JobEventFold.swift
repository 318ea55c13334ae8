/// Replays a job's event log into the current state of each of its tasks, so that each event can
/// carry the job's state and progress after it. A value type: tested without a database.
package struct JobEventFold: Sendable {
    package let jobID: JobID
    /// How many rows of the log have been applied: the offset of the next read.
    package private(set) var seen = 0
    private var tasks: [TaskID: TaskChange] = [:]

    package init(jobID: JobID) { self.jobID = jobID }

    /// Applies the next row of the log and returns it as the event numbered `seen`.
    package mutating func apply(_ record: JobEventRecord) -> JobEvent {
        seen += 1
        tasks[record.task.id] = record.task
        return JobEvent(
            sequence: seen, jobID: jobID, jobState: jobState, jobProgress: jobProgress, task: record.task,
            at: record.at)
    }

    /// The job's state from the tasks seen so far.
    package var jobState: JobState { JobState.derive(from: tasks.values.map(\.state)) }

    /// As ``JobSnapshot/progress``: each completed task counts whole, each running one by its progress.
    package var jobProgress: Double {
        guard !tasks.isEmpty else { return 0 }
        let done = tasks.values.reduce(0.0) { sum, task in
            switch task.state {
            case .completed: sum + 1
            case .running: sum + Double(task.progress ?? 0) / 100
            default: sum
            }
        }
        return done / Double(tasks.count)
    }

    /// True when the tasks seen so far have ended the job.
    package var isFinal: Bool { !tasks.isEmpty && [.completed, .failed, .cancelled].contains(jobState) }
}
