import Conveyor
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/jobs/{id}/events`: the job's changes as Server-Sent Events, until the job ends.
///
/// Each event is one change of a task (state, attempt, progress, last error) with the job's state
/// after it, as `event: change`, its `id:` the change's position in the job's feed. A client that
/// reconnects with `Last-Event-ID` gets every later change, in order, none twice (the browser's
/// `EventSource` does this by itself). After the change that ends the job comes one `event: end`
/// and the stream closes. Another owner's job is 404, as a job that does not exist.
struct EventsRoutes {
    let state: ServiceState

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on group: RouterGroup<ServiceRequestContext>) {
        group.get("jobs/{id}/events") { request, context in try await events(request, context) }
    }

    func events(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try JobsRoutes.jobID(context)
        let jobs = JobsRoutes(state: state)
        let job = try await jobs.scoped(principal) { driver in try await driver.jobGet(id) }
        _ = try jobs.visible(job, to: principal, id: id)
        let after = try Self.after(request)
        let client = state.client
        let feed = client.jobEvents(id, after: after, notifier: state.jobEventNotifier)
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                for try await event in feed {
                    try await writer.write(ByteBuffer(string: ServerSentEvent.change(event)))
                }
                let ended = try await client.job(id)?.state
                try await writer.write(ByteBuffer(string: ServerSentEvent.end(jobID: id, state: ended)))
                try await writer.finish(nil)
            })
    }

    /// The position to resume after: the `Last-Event-ID` header, else the `after` query parameter, else 0.
    static func after(_ request: Request) throws -> Int {
        let text = request.headers[lastEventID] ?? request.uri.queryParameters.get("after")
        guard let text else { return 0 }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw APIError.badRequest(
                "invalid_last_event_id", "Last-Event-ID must be the id of an event of this feed (a number from 0)")
        }
        return value
    }
}
