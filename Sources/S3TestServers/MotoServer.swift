import AsyncHTTPClient
import Foundation
import Processes

/// A real S3 server for a test or a bench: moto's server mode (PyPI `moto[server]`, which scripts/setup puts
/// in .build/s3-venv), an independent implementation of the REST API, on its own loopback
/// address. Killed by PID when the test ends.
public final class MotoServer: Sendable {
    public static let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/s3-venv/bin/moto_server").path

    let process: ChildProcess
    public let endpoint: String

    public init(address: String, port: Int) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw Failure(description: "\(Self.executable) is missing: run scripts/setup (it installs moto[server] there)")
        }
        endpoint = "http://\(address):\(port)"
        let log = NSTemporaryDirectory() + "moto-\(address)-\(port).log"
        process = try ChildProcess.spawn(Self.executable, arguments: ["-H", address, "-p", "\(port)"], outputPath: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(url: endpoint + "/")
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)), response.status.code < 500 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw Failure(description: "moto_server did not answer on \(endpoint) within 30 s: \(String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self).suffix(500))")
    }

    /// `stop` without waiting: for a `defer`.
    public func terminate() {
        process.signal(SIGKILL)
    }

    public func stop() async {
        process.signal(SIGKILL)
        _ = await process.wait()
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }
}
