import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import ControllerAPI
import Foundation
import Hummingbird
import HummingbirdTLS
import KubeAPI
import KubeClient
import KubeRuntime
import KubeServer
import Logging
import NIOCore
import Operator
import QiniuAPI
import RoleNetwork
import Synchronization
import Testing

/// A real local API server over HTTPS, a real operator against it, and fake controllers: the
/// status endpoint of a controller, which cannot run here without its database nodes. No kubelet
/// and no StatefulSet controller run, so pods exist only when a test creates them.
final class OperatorTestBed: Sendable {
    let server: LocalKubeServer
    let client: KubeClient
    let directory: String
    let controllers = Mutex([ObjectKey: FakeController]())
    let extraClients = Mutex([KubeClient]())

    init() async throws {
        server = try await LocalKubeServer.start(KubeServerConfiguration())
        directory = NSTemporaryDirectory() + "operator-tests-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/kubeconfig"
        try server.adminKubeconfigYAML(namespace: "default").write(toFile: path, atomically: true, encoding: .utf8)
        var options = ClientOptions()
        options.kubeconfig = path
        client = try KubeClient.make(options: options, environment: ["HOME": directory])
    }

    /// Runs `body` with a fresh bed and closes it afterwards, also when `body` throws.
    static func run(_ body: (OperatorTestBed) async throws -> Void) async throws {
        let bed = try await OperatorTestBed()
        do {
            try await body(bed)
        } catch {
            await bed.close()
            throw error
        }
        await bed.close()
    }

    static var fastSettings: OperatorSettings {
        var settings = OperatorSettings()
        settings.resyncInterval = .seconds(2)
        settings.controllerUnavailableAfter = .seconds(3)
        settings.workers = 2
        return settings
    }

    /// Short enough for a handover test, long enough for a loaded machine: with 2 s to renew, the
    /// first half-minute of a full run (every suite starting its servers and clusters at once)
    /// made four operators lose their leases over and over.
    static var fastLeases: LeaderElector.Timing {
        var timing = LeaderElector.Timing()
        timing.leaseDuration = .seconds(8)
        timing.renewDeadline = .seconds(6)
        timing.retryPeriod = .milliseconds(300)
        return timing
    }

    /// An operator whose controllers are looked up among this bed's fakes (a URL that refuses
    /// connections when a cluster has none).
    /// A client authenticating with `token` (a restricted user), closed with the bed.
    func makeClient(token: String) throws -> KubeClient {
        let path = directory + "/kubeconfig-\(UUID().uuidString.prefix(6))"
        try server.kubeconfigYAML(user: "restricted", credentials: .token(token)).write(toFile: path, atomically: true, encoding: .utf8)
        var options = ClientOptions()
        options.kubeconfig = path
        let client = try KubeClient.make(options: options, environment: ["HOME": directory])
        extraClients.withLock { $0.append(client) }
        return client
    }

    func makeOperator(identity: String = "operator-a", client: KubeClient? = nil,
                      settings: OperatorSettings = OperatorTestBed.fastSettings) -> QMySQLOperator {
        var logger = Logger(label: "operator-test")
        logger.logLevel = .warning
        return QMySQLOperator(
            client: client ?? self.client, settings: settings, leaseNamespace: "default", identity: identity, leaderTiming: Self.fastLeases,
            logger: logger, controllerURL: { [self] key in
                self.controllers.withLock { $0[key]?.url } ?? "http://127.0.0.1:1"
            })
    }

    /// Runs `body` with the operator running in the background; stops it afterwards.
    func withOperator<T: Sendable>(_ qmysqlOperator: QMySQLOperator, _ body: () async throws -> T) async throws -> T {
        let finished = Flag()
        let task = Task {
            defer { finished.set() }
            try await qmysqlOperator.run()
        }
        // The operator ends before the bed closes its fake controllers: a follower that
        // reconnects while a controller's server shuts down has its connection accepted with
        // nobody left to take it, which NIO answers by crashing the process ("Deinited
        // NIOAsyncWriter without calling finish()", seen once in a full run).
        func end() async {
            task.cancel()
            let deadline = ContinuousClock.now + .seconds(10)
            while !finished.isSet, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        }
        do {
            try await eventually("the operator leads and its caches are synced", timeout: .seconds(60)) {
                qmysqlOperator.isLeading && qmysqlOperator.isReady
            }
            let result = try await body()
            await end()
            return result
        } catch {
            await end()
            throw error
        }
    }

    func close() async {
        for controller in controllers.withLock({ Array($0.values) }) { await controller.stop() }
        for extra in extraClients.withLock({ $0 }) { try? await extra.shutdown() }
        try? await client.shutdown()
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Objects

    func createCluster(_ name: String, namespace: String = "default", _ change: (inout QiniuMySQLSpec) -> Void = { _ in }) async throws {
        var spec = QiniuMySQLSpec(replicas: 3)
        change(&spec)
        _ = try await client.create(QiniuMySQL(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec), namespace: namespace)
    }

    func cluster(_ name: String, namespace: String = "default") async throws -> QiniuMySQL {
        try await client.get(QiniuMySQL.self, name: name, namespace: namespace)
    }

    func exists(_ type: ResourceType, _ name: String, namespace: String = "default") async throws -> Bool {
        do {
            _ = try await client.getRaw(type, name: name, namespace: namespace)
            return true
        } catch let error as KubeError where error.isNotFound {
            return false
        }
    }

    func condition(_ type: String, of name: String) async throws -> Condition? {
        try await cluster(name).status?.conditions?.first { $0.type == type }
    }

    /// Writes by the operator's user, by verb (`create`, `update`, `patch`, `delete`), since `resetRequestCounts`.
    func writes() -> [String: Int] {
        var writes: [String: Int] = [:]
        for (key, count) in server.requestCounts() where ["create", "update", "patch", "delete"].contains(key.verb) {
            writes["\(key.verb) \(key.resource)", default: 0] += count
        }
        return writes
    }

    // MARK: Fake controllers

    /// A fake controller for cluster `name`, serving HTTPS with the certificate the operator made
    /// for the cluster (it waits for the cluster's Secret), as the real one does.
    @discardableResult
    func startController(for name: String, namespace: String = "default", status: ClusterStatus,
                         certificateFrom other: ClusterTLS? = nil) async throws -> FakeController {
        let secretName = ClusterNames(cluster: name).secret
        try await eventually("the operator created \(secretName)") { try await self.exists(Secret.resourceType, secretName, namespace: namespace) }
        let secret = try await client.getRaw(Secret.resourceType, name: secretName, namespace: namespace)
        func value(_ key: String) -> String {
            secret[path: ["data", key]]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let tls = other ?? ClusterTLS(caCertificatePEM: value(ClusterSecrets.Key.caCertificate),
                                      certificatePEM: value(ClusterSecrets.Key.certificate), keyPEM: value(ClusterSecrets.Key.key))
        let certificateFile = directory + "/\(name)-\(UUID().uuidString.prefix(6)).crt"
        let keyFile = certificateFile.replacingOccurrences(of: ".crt", with: ".key")
        try tls.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        try tls.keyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let controller = try await FakeController.start(
            status: status, tls: try RoleTLS.server(certificateFile: certificateFile, keyFile: keyFile))
        controllers.withLock { $0[ObjectKey(namespace: namespace, name: name)] = controller }
        return controller
    }
}

/// The status endpoint of a controller (`GET /v1/status?watch=true`, NDJSON with a heartbeat),
/// serving a status the test sets. `stop()` makes it go silent, as a hung or dead controller.
final class FakeController: Sendable {
    let url: String
    private let box: StatusBox
    private let task: Mutex<Task<Void, Error>?>

    private init(url: String, box: StatusBox, task: Task<Void, Error>) {
        self.url = url
        self.box = box
        self.task = Mutex(task)
    }

    func set(_ status: ClusterStatus) { box.set(status) }

    /// Every data task request the operator sent (`POST /v1/tasks/data`), oldest first.
    var taskRequests: [DataTaskRequest] { box.requests }
    /// Every desired state the operator sent (`PUT /v1/spec`), oldest first.
    var specs: [ControllerSpec] { box.specs }

    func stop() async {
        task.withLock { $0?.cancel() }
        try? await Task.sleep(for: .milliseconds(100))
    }

    static func start(status initial: ClusterStatus, tls: TLSConfiguration) async throws -> FakeController {
        let box = StatusBox(initial)
        let router = Router(context: BasicRequestContext.self)
        router.get("/v1/status") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
                while !Task.isCancelled {
                    var line = ByteBuffer(bytes: try JSONEncoder().encode(box.served))
                    line.writeString("\n")
                    try await writer.write(line)
                    try await Task.sleep(for: .milliseconds(300))
                }
                try await writer.finish(nil)
            })
        }
        // Runs every spec it is sent, as the real one does: the status shows its generation, and
        // the formed UUID it was told when it knows none.
        router.put("/v1/spec") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let spec = try JSONDecoder().decode(ControllerSpec.self, from: Data(body.readableBytesView))
            let changed = box.record(spec)
            let answer = ControllerSpecAcknowledgement(observedGeneration: spec.generation, changed: changed)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(answer))))
        }
        // Takes every task; what the status then says of it is the test's to set.
        router.post("/v1/tasks/data") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let task = try JSONDecoder().decode(DataTaskRequest.self, from: Data(body.readableBytesView))
            box.record(task)
            let status = DataTaskStatus(name: task.name, action: task.action, phase: .pending, steps: [])
            return Response(status: .created, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(status))))
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-controller")
        logger.logLevel = .critical
        let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in sink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return FakeController(url: "https://127.0.0.1:\(port)", box: box, task: task)
    }
}

final class StatusBox: Sendable {
    private let status: Mutex<ClusterStatus>
    private let received = Mutex<[DataTaskRequest]>([])
    private let sentSpecs = Mutex<[ControllerSpec]>([])
    init(_ status: ClusterStatus) { self.status = Mutex(status) }
    var value: ClusterStatus { status.withLock { $0 } }
    var specs: [ControllerSpec] { sentSpecs.withLock { $0 } }
    /// Records a spec; false when it is the one already running.
    func record(_ spec: ControllerSpec) -> Bool {
        sentSpecs.withLock { all in
            defer { all.append(spec) }
            return all.last != spec
        }
    }
    /// The test's status with what the controller itself adds: the spec's generation, and the
    /// formed UUID it was told when the test's status has none.
    var served: ClusterStatus {
        var served = value
        if let spec = specs.last {
            served.observedGeneration = served.observedGeneration ?? spec.generation
            served.clusterUUID = served.clusterUUID ?? spec.formedUUID
        }
        return served
    }
    func set(_ status: ClusterStatus) { self.status.withLock { $0 = status } }
    var requests: [DataTaskRequest] { received.withLock { $0 } }
    func record(_ request: DataTaskRequest) { received.withLock { $0.append(request) } }
}

/// Polls `condition` every 100 ms until it holds; fails the test with `what` after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    if try await condition() { return }
    Issue.record("timed out after \(timeout): \(what)")
    throw CancellationError()
}

func greenStatus(_ name: String, nodes: Int = 3) -> ClusterStatus {
    ClusterStatus(
        cluster: name, state: .green,
        nodes: (0..<nodes).map { NodeStatus(name: "\(name)-\($0)", state: .green, wsrepState: "Synced", seqno: nil, ready: true) },
        conditions: [Condition(type: "Ready", status: "True", reason: "AllSynced", message: "\(nodes)/\(nodes) nodes Synced")],
        message: "\(nodes)/\(nodes) nodes Synced", clusterUUID: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")
}

/// A one-way flag shared with a task.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
