import AsyncHTTPClient
import Conveyor
import ConveyorS3
import Foundation
import NIOCore
import NIOHTTP1

/// The S3-compatible server `scripts/test` starts (moto behind a signature gate), and a fresh
/// bucket on it for each test.
enum S3TestServer {
    /// The server's settings from the environment, or an error that says how to get a server.
    static func configuration(bucket: String) throws -> S3Configuration {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw ConveyorError(
                    .invalidConfiguration,
                    "\(name) is not set: run the tests with scripts/test, which starts the S3 test server"
                )
            }
            return value
        }
        return S3Configuration(
            endpoint: try value("CONVEYOR_TEST_S3_ENDPOINT"), region: try value("CONVEYOR_TEST_S3_REGION"),
            bucket: bucket, accessKeyID: try value("CONVEYOR_TEST_S3_ACCESS_KEY"),
            secretAccessKey: try value("CONVEYOR_TEST_S3_SECRET_KEY")
        )
    }

    /// Runs `body` with a store on a new bucket of its own.
    static func withStore<T>(_ body: (S3ArtifactStore) async throws -> T) async throws -> T {
        let bucket = "conveyor-test-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let store = try S3ArtifactStore(configuration: try configuration(bucket: bucket))
        try await store.createBucket()
        return try await body(store)
    }

    /// A plain, unsigned HTTP GET, as a browser or `curl` fetches a presigned URL.
    static func fetch(_ url: String) async throws -> (status: UInt, contentType: String?, body: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, response.headers.first(name: "content-type"), Array(body.readableBytesView))
    }
}
