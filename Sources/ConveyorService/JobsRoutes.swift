import Conveyor
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/jobs`: create, read, list, cancel and retry jobs.
///
/// An owner sees and acts only on its own jobs: another owner's job answers 404 exactly as an id
/// that does not exist, and lists never include it. Every owner-scoped read and write runs inside
/// the driver's owner scope (row-level security on PostgreSQL) as a second wall.
struct JobsRoutes {
    let state: ServiceState

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let defaultPageSize = 50
    static let maxPageSize = 200

    func register(on group: RouterGroup<ServiceRequestContext>) {
        group.post("jobs") { request, context in try await create(request, context) }
        group.get("jobs") { request, context in try await list(request, context) }
        group.get("jobs/{id}") { _, context in
            let principal = try context.requirePrincipal()
            let id = try Self.jobID(context)
            let job = try await scoped(principal) { driver in try await driver.jobGet(id) }
            return try JSONResponse.make(JobResource(try visible(job, to: principal, id: id)))
        }
        group.post("jobs/{id}/cancel") { _, context in
            let principal = try context.requirePrincipal()
            let id = try Self.jobID(context)
            let job = try await scoped(principal) { driver -> JobSnapshot? in
                guard let job = try await driver.jobGet(id), principal.canSee(owner: job.owner) else { return nil }
                guard !job.tasks.allSatisfy(\.state.isFinished) else {
                    throw APIError(
                        .conflict, code: "job_finished", "job \(id) has already ended (\(job.state)); nothing to cancel"
                    )
                }
                _ = try await driver.jobCancel(.init(jobID: id, reason: "cancelled through the API"))
                return try await driver.jobGet(id)
            }
            return try JSONResponse.make(JobResource(try visible(job, to: principal, id: id)))
        }
        group.post("jobs/{id}/retry") { _, context in
            let principal = try context.requirePrincipal()
            let id = try Self.jobID(context)
            let job = try await scoped(principal) { driver -> JobSnapshot? in
                guard let job = try await driver.jobGet(id), principal.canSee(owner: job.owner) else { return nil }
                let redriven = try await driver.jobRetry(.init(jobID: id))
                guard redriven > 0 else {
                    throw APIError(
                        .conflict, code: "not_retryable",
                        "job \(id) is \(job.state): only a job with discarded or cancelled tasks can be retried")
                }
                return try await driver.jobGet(id)
            }
            return try JSONResponse.make(JobResource(try visible(job, to: principal, id: id)))
        }
    }

    // MARK: Create

    func create(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let configuration = state.configuration
        let key = try Self.idempotencyKey(request)
        if let wait = state.createLimiter.take(principal.tokenID) {
            let seconds = max(
                1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                "too many jobs created with this token; retry in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
        let body = try await RequestBody.json(
            request, maxBytes: configuration.maxBodyBytes, maxDepth: configuration.maxJSONDepth)
        let create = try CreateJobRequest.parse(body, maxTasks: configuration.maxTasksPerJob)
        let tasks = try create.newTasks(recipes: configuration.recipes)
        guard tasks.count <= configuration.maxTasksPerJob else {
            throw APIError.badRequest(
                "too_many_tasks",
                "the job has \(tasks.count) tasks; at most \(configuration.maxTasksPerJob) are allowed")
        }
        let inserts: [TaskInsert]
        do {
            inserts = try TaskGraph.inserts(for: tasks)
        } catch let error as ConveyorError {
            throw APIError.badRequest("invalid_tasks", error.message)
        }
        let fingerprint = key.map { _ in Self.fingerprint(body) }
        let owner = principal.owner
        let metadata = create.metadata?.canonicalText
        let (job, replayed) = try await state.client.driver.withOwnerScope(owner) { driver -> (JobSnapshot?, Bool) in
            let id: JobID
            var replayed = false
            if tasks.count == 1, key == nil, metadata == nil, tasks[0].kind == create.kind, tasks[0].name == nil {
                // The common case: a one-task job is its task, one row.
                let ids = try await driver.taskInsertMany(.init(owner: owner, tasks: inserts))
                id = JobID(ids[0].rawValue)
            } else {
                let result = try await driver.jobInsert(
                    .init(
                        owner: owner, kind: create.kind, idempotencyKey: key, tasks: inserts,
                        requestFingerprint: fingerprint, metadata: metadata))
                if result.existing {
                    guard result.requestFingerprint == fingerprint else {
                        throw APIError(
                            .conflict, code: "idempotency_conflict",
                            "the Idempotency-Key was already used with a different request body")
                    }
                    replayed = true
                }
                id = result.jobID
            }
            return (try await driver.jobGet(id), replayed)
        }
        guard let job else { throw APIError(.internalServerError, code: "internal_error", "the job vanished") }
        if replayed {
            return try JSONResponse.make(JobResource(job), status: .ok, headers: [Self.replayedHeader: "true"])
        }
        return try JSONResponse.make(JobResource(job), status: .created, headers: [.location: "/v1/jobs/\(job.id)"])
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        let values = request.headers[values: idempotencyHeader]
        guard let key = values.first else { return nil }
        guard values.count == 1, !key.isEmpty, key.utf8.count <= 255,
            key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E })
        else {
            throw APIError.badRequest(
                "invalid_idempotency_key", "the Idempotency-Key header must be 1 to 255 visible ASCII characters")
        }
        return key
    }

    /// SHA-256 of the body with keys sorted: the same request always has the same fingerprint,
    /// whatever its spacing or key order.
    static func fingerprint(_ body: JSONValue) -> String {
        SHA256.hash(data: Array(body.canonicalText.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: List

    func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        for name in query.map(\.key) where !["state", "kind", "cursor", "limit"].contains(String(name)) {
            throw APIError.badRequest("unknown_parameter", "unknown query parameter '\(name)'")
        }
        var wanted: Set<JobState>?
        if let states = query["state"] {
            var set = Set<JobState>()
            for name in states.split(separator: ",") {
                guard let state = JobState(rawValue: String(name)) else {
                    throw APIError.badRequest(
                        "invalid_parameter",
                        "state '\(name)' is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                set.insert(state)
            }
            wanted = set
        }
        let kind = query["kind"].map(String.init)
        var limit = Self.defaultPageSize
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1, value <= Self.maxPageSize else {
                throw APIError.badRequest("invalid_parameter", "limit must be an integer from 1 to \(Self.maxPageSize)")
            }
            limit = value
        }
        var before: JobID?
        if let text = query["cursor"] {
            guard let value = Int64(text), value > 0 else {
                throw APIError.badRequest("invalid_parameter", "cursor must be a next_cursor from an earlier page")
            }
            before = JobID(value)
        }
        // A state filter is applied to pages of jobs newest first; a page may then hold fewer than
        // `limit` jobs, and the scan is bounded: keep following next_cursor while there is one.
        let wantedStates = wanted
        let (start, pageSize) = (before, limit)
        let (jobs, next) = try await scoped(principal) { driver -> ([JobSummary], JobID?) in
            var found: [JobSummary] = []
            var cursor = start
            for _ in 0..<10 {
                let page = try await driver.jobList(
                    .init(owner: principal.ownerFilter, kind: kind, before: cursor, limit: pageSize))
                for job in page where wantedStates?.contains(job.state) ?? true {
                    found.append(job)
                    if found.count == pageSize { return (found, job.id) }
                }
                guard page.count == pageSize, let last = page.last else { return (found, nil) }
                cursor = last.id
                if wantedStates == nil { return (found, cursor) }
            }
            return (found, cursor)
        }
        return try JSONResponse.make(
            JobListResource(jobs: jobs.map(JobSummaryResource.init), nextCursor: next.map { String($0.rawValue) }))
    }

    // MARK: Scope

    /// Runs `body` on a driver that sees only the principal's rows; an admin's sees all.
    func scoped<T: Sendable>(
        _ principal: Principal, _ body: @Sendable (any QueueDriver) async throws -> T
    ) async throws -> T {
        if principal.isAdmin { return try await body(state.client.driver) }
        return try await state.client.driver.withOwnerScope(principal.owner, body)
    }

    /// The job, when this principal may see it; otherwise the same 404 as a missing id.
    func visible(_ job: JobSnapshot?, to principal: Principal, id: JobID) throws -> JobSnapshot {
        guard let job, principal.canSee(owner: job.owner) else { throw APIError.notFound("job \(id)") }
        return job
    }

    static func jobID(_ context: ServiceRequestContext) throws -> JobID {
        guard let text = context.parameters.get("id"), let value = Int64(text), value > 0 else {
            throw APIError.notFound("job \(context.parameters.get("id") ?? "")")
        }
        return JobID(value)
    }
}
