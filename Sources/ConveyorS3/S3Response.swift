import Conveyor
import NIOCore
import NIOHTTP1

/// One answer from the S3 endpoint, with its XML error read when it is one.
struct S3Response {
    var status: UInt
    var headers: HTTPHeaders
    var body: ByteBuffer

    var text: String { String(buffer: body) }

    /// S3's error code (`NoSuchKey`, `SignatureDoesNotMatch`, …), when the body is an error.
    var errorCode: String? { S3XML.text("Code", in: text[...]) }

    /// Throws a `storageFailure` naming the status and S3's code and message unless the status is 2xx.
    func requireSuccess(_ what: String) throws {
        guard !(200..<300).contains(status) else { return }
        let code = errorCode ?? "no error code"
        let message = S3XML.text("Message", in: text[...]).map { ": \($0)" } ?? ""
        throw ConveyorError(.storageFailure, "could not \(what): S3 answered \(status) \(code)\(message)")
    }
}
