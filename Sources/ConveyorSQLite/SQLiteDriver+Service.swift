package import Conveyor
import Foundation
import SQLiteNIO

/// What the HTTP service needs: job lists, the owner scope, access tokens.
extension SQLiteDriver {
    package func jobList(_ params: JobListParams) async throws -> [JobSummary] {
        let rows = try await file.read { session in
            try await session.rows(
                SQLiteQueries.jobList(
                    owner: params.owner, kind: params.kind, before: params.before?.rawValue ?? Int64.max,
                    limit: params.limit))
        }
        return try rows.map { row in
            let cells = SQLiteCells(row)
            let states = (try? JSONDecoder().decode([String].self, from: Data(try cells.string(4).utf8))) ?? []
            return JobSummary(
                id: JobID(try cells.int64(0)), owner: try cells.string(1), kind: try cells.string(2),
                createdAt: try cells.date(3), taskStates: states.map { TaskState(rawValue: $0) ?? .available },
                runningProgress: try cells.int(5), lastFinishedAt: try cells.optionalDate(6))
        }
    }

    /// SQLite has no row-level security: the caller's owner checks are the only wall.
    package func withOwnerScope<T: Sendable>(
        _ owner: String, _ body: @Sendable (any QueueDriver) async throws -> T
    ) async throws -> T {
        try await body(self)
    }

    package func tokenInsert(_ params: TokenInsertParams) async throws -> AccessToken {
        let rows = try await file.write { session in
            try await session.rows(
                SQLiteQueries.tokenInsert(
                    owner: params.owner, role: params.role.rawValue, sha256: params.sha256, label: params.label,
                    now: Date()))
        }
        guard let token = try rows.first.map(Self.decodeToken) else {
            throw ConveyorError(.databaseFailure, "the token was not stored")
        }
        return token
    }

    package func tokenFindActive(sha256: String) async throws -> AccessToken? {
        let rows = try await file.read { session in
            try await session.rows(SQLiteQueries.tokenFindActive(sha256: sha256))
        }
        return try rows.first.map(Self.decodeToken)
    }

    package func tokenRevoke(_ params: TokenRevokeParams) async throws -> Bool {
        let query: SQLiteQuery
        switch params {
        case .id(let id): query = SQLiteQueries.tokenRevoke(id: id, sha256: nil, now: Date())
        case .sha256(let hash): query = SQLiteQueries.tokenRevoke(id: nil, sha256: hash, now: Date())
        }
        let rows = try await file.write { session in try await session.rows(query) }
        return !rows.isEmpty
    }

    package func tokenList() async throws -> [AccessToken] {
        let rows = try await file.read { session in try await session.rows(SQLiteQueries.tokenList) }
        return try rows.map(Self.decodeToken)
    }

    static func decodeToken(_ row: [SQLiteData]) throws -> AccessToken {
        let cells = SQLiteCells(row)
        return AccessToken(
            id: try cells.int64(0), owner: try cells.string(1),
            role: AccessToken.Role(rawValue: try cells.string(2)) ?? .owner, label: try cells.optionalString(3),
            createdAt: try cells.date(4), revokedAt: try cells.optionalDate(5))
    }
}
