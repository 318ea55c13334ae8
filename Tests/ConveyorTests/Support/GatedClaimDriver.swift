import Conveyor
import Foundation
import Synchronization

/// A real driver whose claims can be held at a gate: to start shutdown while a claim is in
/// flight, deterministically. Every other operation goes straight to the real driver.
final class GatedClaimDriver: QueueDriver {
    let base: any QueueDriver
    private let gate = Gate()
    private let arrived = Mutex(0)

    init(_ base: any QueueDriver) { self.base = base }

    /// Claims that reached the gate (and, until it opens, wait there).
    var heldClaims: Int { arrived.withLock { $0 } }

    func open() { gate.open() }

    func taskClaim(_ params: TaskClaimParams) async throws -> [ClaimedTask] {
        arrived.withLock { $0 += 1 }
        await gate.wait()
        return try await base.taskClaim(params)
    }

    func migrate() async throws { try await base.migrate() }
    func jobEventList(_ p: JobEventListParams) async throws -> [JobEventRecord] { try await base.jobEventList(p) }
    func jobEventCount(_ jobID: JobID) async throws -> Int { try await base.jobEventCount(jobID) }
    func listenForJobEvents(_ onSignal: @escaping @Sendable (JobEventSignal) -> Void) async throws {
        try await base.listenForJobEvents(onSignal)
    }
    func taskInsertMany(_ p: TaskInsertManyParams) async throws -> [TaskID] { try await base.taskInsertMany(p) }
    func jobInsert(_ p: JobInsertParams) async throws -> JobInsertResult { try await base.jobInsert(p) }
    func taskCompleteMany(_ p: TaskCompleteManyParams) async throws -> [TaskID] { try await base.taskCompleteMany(p) }
    func taskReportProgress(_ p: TaskReportProgressParams) async throws -> Bool {
        try await base.taskReportProgress(p)
    }
    func taskRescueExpired(_ p: TaskRescueExpiredParams) async throws -> TaskRescueResult {
        try await base.taskRescueExpired(p)
    }
    func taskPromoteDue(_ p: TaskPromoteDueParams) async throws -> Int { try await base.taskPromoteDue(p) }
    func taskPrune(_ p: TaskPruneParams) async throws -> Int { try await base.taskPrune(p) }
    func taskGet(_ id: TaskID) async throws -> TaskSnapshot? { try await base.taskGet(id) }
    func jobGet(_ id: JobID) async throws -> JobSnapshot? { try await base.jobGet(id) }
    func workerHeartbeat(_ p: WorkerHeartbeatParams) async throws -> [TaskID] { try await base.workerHeartbeat(p) }
    func workerUnregister(_ id: String) async throws { try await base.workerUnregister(id) }
    func workerList() async throws -> [WorkerInfo] { try await base.workerList() }
    func leaderAttemptElect(_ p: LeaderElectParams) async throws -> Bool { try await base.leaderAttemptElect(p) }
    func leaderResign(_ p: LeaderResignParams) async throws { try await base.leaderResign(p) }
    func statsQueues(_ p: StatsQueuesParams) async throws -> [QueueStats] { try await base.statsQueues(p) }
    func queueFlowGet(_ queue: String) async throws -> QueueFlow { try await base.queueFlowGet(queue) }
    func queueSettingsList() async throws -> [QueueSettings] { try await base.queueSettingsList() }
    func queueSettingsPut(_ s: QueueSettings) async throws { try await base.queueSettingsPut(s) }
    func queueSetPaused(_ p: QueueSetPausedParams) async throws { try await base.queueSetPaused(p) }
    func resourceSettingsList() async throws -> [ResourceSettings] { try await base.resourceSettingsList() }
    func resourceSettingsPut(_ s: ResourceSettings) async throws { try await base.resourceSettingsPut(s) }
    func resourceSettingsDelete(_ name: String) async throws -> Bool { try await base.resourceSettingsDelete(name) }
    func resourceCountRunning() async throws -> [String: Int] { try await base.resourceCountRunning() }
    func taskClaimLimited(_ p: TaskClaimParams) async throws -> TaskClaimLimitedResult {
        try await base.taskClaimLimited(p)
    }
    func jobList(_ p: JobListParams) async throws -> [JobSummary] { try await base.jobList(p) }
    func withOwnerScope<T: Sendable>(
        _ owner: String, _ body: @Sendable (any QueueDriver) async throws -> T
    ) async throws -> T { try await base.withOwnerScope(owner, body) }
    func tokenInsert(_ p: TokenInsertParams) async throws -> AccessToken { try await base.tokenInsert(p) }
    func tokenFindActive(sha256: String) async throws -> AccessToken? { try await base.tokenFindActive(sha256: sha256) }
    func tokenRevoke(_ p: TokenRevokeParams) async throws -> Bool { try await base.tokenRevoke(p) }
    func tokenList() async throws -> [AccessToken] { try await base.tokenList() }
    func taskCompleteWithTasks(_ p: TaskCompleteWithTasksParams) async throws -> TaskFanOutOutcome {
        try await base.taskCompleteWithTasks(p)
    }
    func taskFindUnheld(_ p: TaskFindUnheldParams) async throws -> [TaskID] { try await base.taskFindUnheld(p) }
    func taskDependencyResults(_ id: TaskID) async throws -> [DependencyResult] {
        try await base.taskDependencyResults(id)
    }
    func jobCancel(_ p: JobCancelParams) async throws -> Int { try await base.jobCancel(p) }
    func jobRetry(_ p: JobRetryParams) async throws -> Int { try await base.jobRetry(p) }
    func taskRetry(_ p: TaskRetryParams) async throws -> Int { try await base.taskRetry(p) }
    func artifactRegister(_ p: ArtifactRegisterParams) async throws -> Bool { try await base.artifactRegister(p) }
    func artifactList(_ jobID: JobID) async throws -> [ArtifactRecord] { try await base.artifactList(jobID) }
    func listenForWork(_ onSignal: @escaping @Sendable (WorkSignal) -> Void) async throws {
        try await base.listenForWork(onSignal)
    }
}
