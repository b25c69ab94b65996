import AgentAPI
import Agent
import Foundation
import Hummingbird
import Synchronization

/// Plays the controller's report endpoint: `POST /reports/<node>` with an AgentStatus body.
final class ReportReceiver: Sendable {
    struct Received: Sendable {
        var node: String
        var status: AgentStatus
        var at: ContinuousClock.Instant
    }

    let urlPrefix: String
    private let received: ReportBox
    private let task: Task<Void, any Error>

    private init(urlPrefix: String, received: ReportBox, task: Task<Void, any Error>) {
        self.urlPrefix = urlPrefix
        self.received = received
        self.task = task
    }

    static func start() async throws -> ReportReceiver {
        let box = ReportBox()
        let router = Router()
        router.post("/reports/:node") { request, context in
            let node = context.parameters.get("node") ?? "?"
            let body = try await request.body.collect(upTo: 1 << 20)
            let status = try AgentJSON.decoder().decode(AgentStatus.self, from: Data(body.readableBytesView))
            box.append(Received(node: node, status: status, at: .now))
            return HTTPResponse.Status.noContent
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        var port = 0
        for await value in portStream {
            port = value
            break
        }
        let receiver = ReportReceiver(urlPrefix: "http://127.0.0.1:\(port)/reports", received: box, task: task)
        return receiver
    }

    final class ReportBox: Sendable {
        let storage = Mutex<[Received]>([])
        func append(_ item: Received) { storage.withLock { $0.append(item) } }
    }

    func reports(from node: String, since: ContinuousClock.Instant) -> [Received] {
        received.storage.withLock { $0.filter { $0.node == node && $0.at >= since } }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
