import ArgumentParser
import Conveyor
import ConveyorService
import Foundation
import Logging

/// `conveyor tokens …`: bearer tokens of the HTTP service.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, revoke and list the HTTP service's bearer tokens.",
        subcommands: [TokensCreateCommand.self, TokensRevokeCommand.self, TokensListCommand.self]
    )
}

/// `conveyor tokens create --owner ID [--role admin]`: prints a new token, once.
struct TokensCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it; only its SHA-256 is stored, so it cannot be shown again."
    )

    @Option(help: ArgumentHelp("The owner (user or tenant id) whose jobs the token sees.", valueName: "id"))
    var owner: String

    @Option(
        help: ArgumentHelp(
            "owner (its own jobs) or admin (every job, and /v1/stats) (default: owner).", valueName: "role"),
        transform: { text in
            guard let role = AccessToken.Role(rawValue: text.lowercased()) else {
                throw ValidationError("give owner or admin")
            }
            return role
        })
    var role: AccessToken.Role = .owner

    @Option(help: ArgumentHelp("A note, such as where the token is used.", valueName: "text"))
    var label: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard !owner.isEmpty, owner.utf8.count <= 200, !owner.contains(where: \.isNewline) else {
            throw ValidationError("--owner must be 1 to 200 bytes on one line")
        }
    }

    func run() async throws {
        let logger = logging.logger("conveyor.tokens", defaultLevel: .warning)
        let issued = try await database.withMigratedClient(logger: logger) { client, _ in
            try await AccessTokens(client: client).issue(owner: owner, role: role, label: label)
        }
        print(issued.token)
        FileHandle.standardError.write(
            Data(
                "token \(issued.record.id) for owner \(issued.record.owner) (\(issued.record.role)): keep it now, it cannot be shown again\n"
                    .utf8))
    }
}

/// `conveyor tokens revoke ID|TOKEN`: the token authenticates nothing from the next request on.
struct TokensRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token, by its id (from 'tokens list') or the token itself; effective at once."
    )

    @Argument(help: ArgumentHelp("The token's id, or the token.", valueName: "id-or-token"))
    var token: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.tokens", defaultLevel: .warning)
        let revoked = try await database.withMigratedClient(logger: logger) { client, _ in
            try await AccessTokens(client: client).revoke(token)
        }
        guard revoked else {
            throw ConveyorError(.notFound, "no unrevoked token matches '\(Self.redacted(token))'")
        }
        print("revoked")
    }

    /// A token shortened for messages, so it does not end up whole in a terminal log.
    static func redacted(_ text: String) -> String {
        text.hasPrefix(AccessTokens.prefix) ? String(text.prefix(AccessTokens.prefix.count + 4)) + "…" : text
    }
}

/// `conveyor tokens list`: every token, without the secret.
struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List tokens: id, owner, role, label, created and revoked times (never the token)."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.logger("conveyor.tokens", defaultLevel: .warning)
        let tokens = try await database.withMigratedClient(logger: logger) { client, _ in
            try await AccessTokens(client: client).list()
        }
        let formatter = ISO8601DateFormatter()
        var table = TextTable(["id", "owner", "role", "created", "revoked", "label"])
        for token in tokens {
            table.add([
                String(token.id), token.owner, token.role.rawValue, formatter.string(from: token.createdAt),
                token.revokedAt.map(formatter.string(from:)) ?? "-", token.label ?? "",
            ])
        }
        print(table.render(), terminator: "")
    }
}
