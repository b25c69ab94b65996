import AgentAPI
import AsyncHTTPClient
import NIOSSL
import Foundation
import Logging
import NIOCore
import RoleNetwork
import Synchronization

/// Pushes the node's status to the controller: at once on every change the supervisor submits,
/// and as a heartbeat. Reports wait in a small latest-wins buffer: when the controller is slow or
/// away, the oldest pending reports are dropped (each report is a full snapshot, so only the newest
/// matters), never queued without bound.
final class ControllerReporter: ReportSink, Sendable {
    static let bufferCapacity = 4

    let url: String
    private let token: String
    private let logger: Logger
    private let httpClient: HTTPClient
    private let reports: AsyncStream<AgentStatus>
    private let continuation: AsyncStream<AgentStatus>.Continuation
    /// The controller's answers, newest only: what it asks of the node (`ReportReply`).
    let replies: AsyncStream<ReportReply>
    private let replySink: AsyncStream<ReportReply>.Continuation
    private let droppedCount = Atomic<Int>(0)
    private let lastFailure = Mutex<String?>(nil)

    /// For an https URL: what the controller's certificate must chain to.
    /// Asked at every report: the CA the files hold now (`CertificateFiles`).
    private let tlsConfiguration: @Sendable () -> TLSConfiguration?

    init(url: String, token: String, tlsConfiguration: @escaping @Sendable () -> TLSConfiguration? = { nil }, logger: Logger, httpClient: HTTPClient = .shared) {
        self.url = url
        self.token = token
        self.tlsConfiguration = tlsConfiguration
        self.logger = logger
        self.httpClient = httpClient
        (reports, continuation) = AsyncStream.makeStream(of: AgentStatus.self, bufferingPolicy: .bufferingNewest(Self.bufferCapacity))
        (replies, replySink) = AsyncStream.makeStream(of: ReportReply.self, bufferingPolicy: .bufferingNewest(1))
    }

    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    func submit(_ status: AgentStatus) {
        if case .dropped = continuation.yield(status) {
            droppedCount.add(1, ordering: .relaxed)
        }
    }

    /// Sends reports until cancelled.
    func run() async {
        await withTaskCancellationHandler {
            for await status in reports {
                await send(status)
            }
        } onCancel: {
            continuation.finish()
            replySink.finish()
        }
    }

    private func send(_ status: AgentStatus) async {
        do {
            var request = HTTPClientRequest(url: HostTable.resolve(url: url))
            request.tlsConfiguration = tlsConfiguration()
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .bytes(ByteBuffer(bytes: try AgentJSON.encoder().encode(status)))
            let response = try await httpClient.execute(request, timeout: .seconds(3))
            let body = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                throw ReportRejected(status: Int(response.status.code))
            }
            // An empty or unknown answer asks nothing new.
            if let body, body.readableBytes > 0, let reply = try? AgentJSON.decoder().decode(ReportReply.self, from: Data(body.readableBytesView)) {
                replySink.yield(reply)
            }
            if lastFailure.withLock({ $0 }) != nil {
                logger.info("controller takes reports again", metadata: ["url": "\(url)"])
                lastFailure.withLock { $0 = nil }
            }
        } catch {
            // Log each distinct failure once, not every heartbeat.
            let message = "\(error)"
            let isNew = lastFailure.withLock { last in
                defer { last = message }
                return last != message
            }
            if isNew {
                logger.warning("cannot report to the controller; dropping reports until it answers", metadata: ["url": "\(url)", "error": "\(message)"])
            }
        }
    }

    struct ReportRejected: Error, CustomStringConvertible {
        var status: Int
        var description: String { "controller answered HTTP \(status)" }
    }
}
