package import Foundation

package struct JobEventListParams: Sendable {
    package var jobID: JobID
    /// How many events of the feed the reader has already seen: the rows returned start after them.
    package var offset: Int
    package var limit: Int
    package init(jobID: JobID, offset: Int, limit: Int) {
        self.jobID = jobID
        self.offset = offset
        self.limit = limit
    }
}

/// One row of a job's event log, as a driver reads it: a task's columns just after it changed.
package struct JobEventRecord: Sendable, Hashable {
    package var task: TaskChange
    package var at: Date
    package init(task: TaskChange, at: Date) {
        self.task = task
        self.at = at
    }
}

/// What a driver's job-event listener tells its caller.
package enum JobEventSignal: Sendable, Hashable {
    /// Listening has started: events committed before then were not announced.
    case listening
    /// The job's feed may have new events.
    case changed(JobID)
}
