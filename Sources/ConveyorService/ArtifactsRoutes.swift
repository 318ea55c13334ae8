import Conveyor
import ConveyorArtifacts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/jobs/{id}/artifacts` lists a job's artifacts with a signed download URL each;
/// `GET /v1/artifacts/…` serves the bytes of a store without URLs of its own (the filesystem store).
///
/// A store that signs its own URLs (S3) gives presigned URLs; otherwise the URL is this service's
/// `/v1/artifacts/{storage key}?expires=…&signature=…`, an HMAC-SHA256 under the signing key
/// (``ArtifactURLSigner``), valid for ``ServiceConfiguration/artifactURLLifetime`` (default 1 hour).
/// An expired or altered URL is 403; another owner's job is 404, as a job that does not exist.
struct ArtifactsRoutes {
    let state: ServiceState

    /// The list, behind the bearer token.
    func register(on group: RouterGroup<ServiceRequestContext>) {
        group.get("jobs/{id}/artifacts") { _, context in try await list(context) }
    }

    /// The downloads, outside the bearer token: the signature is the proof.
    func registerDownloads(on group: RouterGroup<ServiceRequestContext>) {
        group.get("artifacts/**") { request, _ in try await download(request) }
    }

    func list(_ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try JobsRoutes.jobID(context)
        let jobs = JobsRoutes(state: state)
        let records = try await jobs.scoped(principal) { driver -> [ArtifactRecord]? in
            guard let job = try await driver.jobGet(id), principal.canSee(owner: job.owner) else { return nil }
            return try await driver.artifactList(id)
        }
        guard let records else { throw APIError.notFound("job \(id)") }
        var artifacts: [ArtifactResource] = []
        for record in records {
            artifacts.append(try await resource(record))
        }
        return try JSONResponse.make(ArtifactListResource(artifacts: artifacts))
    }

    private func resource(_ record: ArtifactRecord) async throws -> ArtifactResource {
        let lifetime = state.configuration.artifactURLLifetime
        let key = try ArtifactKey(storageKey: record.storageKey)
        var url: String
        var expiresAt: Date
        switch try await state.configuration.artifactStore?.download(key, expiresIn: lifetime) ?? .throughService {
        case .presigned(let presigned, let expiry):
            url = presigned.absoluteString
            expiresAt = expiry
        case .throughService:
            guard let signer = state.artifactSigner else {
                throw APIError(
                    .serviceUnavailable, code: "artifacts_unavailable",
                    "this service has no signing key for artifact URLs")
            }
            expiresAt = Date().addingTimeInterval(lifetime.seconds)
            url = (state.configuration.publicOrigin ?? "") + signer.sign(key, expiresAt: expiresAt)
        }
        return ArtifactResource(
            taskID: record.taskID.rawValue, name: record.name, contentType: record.contentType, size: record.size,
            sha256: record.sha256, url: url, expiresAt: expiresAt, createdAt: record.createdAt)
    }

    func download(_ request: Request) async throws -> Response {
        let forbidden = APIError(.forbidden, code: "invalid_signature", "this download URL is invalid or has expired")
        guard let signer = state.artifactSigner, let store = state.configuration.artifactStore else { throw forbidden }
        let path = request.uri.path
        let query = request.uri.queryParameters
        guard
            signer.verify(path: path, expires: query.get("expires"), signature: query.get("signature"), now: Date()),
            let key = signer.key(forPath: path)
        else { throw forbidden }
        guard let content = try await store.get(key) else { throw APIError.notFound("artifact \(key.name)") }
        var headers: HTTPFields = [.contentType: content.contentType, .cacheControl: "private, max-age=0"]
        headers[.contentDisposition] = "attachment; filename=\"\(key.name.filter { $0 != "\"" && $0 != "\\" })\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: content.bytes)))
    }
}

/// One artifact in `GET /v1/jobs/{id}/artifacts`.
struct ArtifactResource: Encodable {
    var taskID: Int64
    var name: String
    var contentType: String
    var size: Int
    var sha256: String
    /// Where to download it until `expires_at`: absolute for a presigned store URL; this service's
    /// path (absolute when the service knows its public origin) otherwise.
    var url: String
    var expiresAt: Date
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case name, size, sha256, url
        case taskID = "task_id"
        case contentType = "content_type"
        case expiresAt = "expires_at"
        case createdAt = "created_at"
    }
}

struct ArtifactListResource: Encodable {
    var artifacts: [ArtifactResource]
}
