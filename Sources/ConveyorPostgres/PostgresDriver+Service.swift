package import Conveyor
import Foundation
import PostgresNIO

/// What the HTTP service needs: job lists, the owner scope, access tokens.
extension PostgresDriver {
    package func jobList(_ params: JobListParams) async throws -> [JobSummary] {
        let rows = try await run(
            queries.jobList(
                owner: params.owner, kind: params.kind, before: params.before?.rawValue ?? Int64.max,
                limit: params.limit)
        )
        return try rows.decodeAll((Int64, String, String, Date, [String], Int64, Date?).self).map {
            id, owner, kind, createdAt, states, progress, finishedAt in
            JobSummary(
                id: JobID(id), owner: owner, kind: kind, createdAt: createdAt,
                taskStates: states.map { TaskState(rawValue: $0) ?? .available }, runningProgress: Int(progress),
                lastFinishedAt: finishedAt)
        }
    }

    package func withOwnerScope<T: Sendable>(
        _ owner: String, _ body: @Sendable (any QueueDriver) async throws -> T
    ) async throws -> T {
        try await transaction { db in
            try await db.run(db.queries.ownerScopeEnter(owner: owner))
            return try await body(db)
        }
    }

    package func tokenInsert(_ params: TokenInsertParams) async throws -> AccessToken {
        let rows = try await run(
            queries.tokenInsert(
                owner: params.owner, role: params.role.rawValue, sha256: params.sha256, label: params.label))
        guard let token = try Self.decodeTokens(rows).first else {
            throw ConveyorError(.databaseFailure, "the token was not stored")
        }
        return token
    }

    package func tokenFindActive(sha256: String) async throws -> AccessToken? {
        try Self.decodeTokens(try await run(queries.tokenFindActive(sha256: sha256))).first
    }

    package func tokenRevoke(_ params: TokenRevokeParams) async throws -> Bool {
        let query: PostgresQuery
        switch params {
        case .id(let id): query = queries.tokenRevoke(id: id, sha256: nil)
        case .sha256(let hash): query = queries.tokenRevoke(id: nil, sha256: hash)
        }
        return !(try await run(query)).isEmpty
    }

    package func tokenList() async throws -> [AccessToken] {
        try Self.decodeTokens(try await run(queries.tokenList()))
    }

    static func decodeTokens(_ rows: [PostgresRow]) throws -> [AccessToken] {
        try rows.decodeAll((Int64, String, String, String?, Date, Date?).self).map {
            id, owner, role, label, createdAt, revokedAt in
            AccessToken(
                id: id, owner: owner, role: AccessToken.Role(rawValue: role) ?? .owner, label: label,
                createdAt: createdAt, revokedAt: revokedAt)
        }
    }
}
