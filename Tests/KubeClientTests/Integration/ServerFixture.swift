import Foundation
import KubeAPI
import KubeServer
import Synchronization
import Testing
@testable import KubeClient

/// A real `LocalKubeServer` over HTTPS on 127.0.0.1 for one test, with a scratch directory for
/// kubeconfigs, token files and plugin scripts. Everything it started is stopped and removed at
/// the end, also when the test fails.
final class ServerFixture: Sendable {
    let server: LocalKubeServer
    let dir: TemporaryDirectory
    private let clients = Mutex<[KubeClient]>([])

    private init(server: LocalKubeServer, dir: TemporaryDirectory) {
        self.server = server
        self.dir = dir
    }

    static func run(_ configure: (inout KubeServerConfiguration) -> Void = { _ in },
                    _ body: (ServerFixture) async throws -> Void) async throws {
        var configuration = KubeServerConfiguration()
        configure(&configuration)
        let server = try await LocalKubeServer.start(configuration)
        let fixture = ServerFixture(server: server, dir: try TemporaryDirectory("kubeclient-it"))
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    private func close() async {
        for client in clients.withLock({ $0 }) { try? await client.shutdown() }
        await server.shutdown()
        dir.remove()
    }

    /// The environment clients see: no KUBECONFIG, HOME in the scratch directory.
    var environment: [String: String] { ["HOME": dir.path, "PATH": "/usr/bin:/bin"] }

    /// A client built from a kubeconfig file, the way the CLI builds it.
    func client(kubeconfig yaml: String, file: String = "kubeconfig-\(UUID().uuidString.prefix(6))",
                options: ClientOptions = ClientOptions(),
                wallClock: @escaping @Sendable () -> Date = { Date() }) throws -> KubeClient {
        var options = options
        options.kubeconfig = try dir.write(file, yaml)
        let client = try KubeClient.make(options: options, environment: environment, wallClock: wallClock)
        clients.withLock { $0.append(client) }
        return client
    }

    func adminClient(namespace: String = "default") throws -> KubeClient {
        try client(kubeconfig: server.adminKubeconfigYAML(namespace: namespace), file: "admin-kubeconfig")
    }

    /// A kubeconfig for the server whose user is described by `userYAML` (the lines under `user:`).
    func kubeconfig(user: String, userYAML: String, cluster extra: String = "") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: \(server.url.absoluteString)
            certificate-authority-data: \(Data(server.caCertificatePEM.utf8).base64EncodedString())
        \(extra)
        users:
        - name: \(user)
          user:
        \(userYAML.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        contexts:
        - name: local-\(user)
          context: {cluster: local, user: \(user), namespace: default}
        current-context: local-\(user)
        """
    }

    /// A fresh namespace for one test's objects.
    func makeNamespace(_ client: KubeClient, prefix: String = "t") async throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: name)))
        return name
    }
}

/// A custom resource for tests: `widgets.example.qmysql.test`, with a status subresource. The
/// Swift model knows `spec.size` but not `spec.color`, to show that `modify` keeps unknown fields.
struct Widget: KubeResource, Hashable {
    static let resourceType = ResourceType(group: "example.qmysql.test", version: "v1", plural: "widgets", kind: "Widget", namespaced: true)

    var apiVersion: String?
    var kind: String?
    var metadata: ObjectMeta
    var spec: Spec?
    var status: WidgetStatus?

    struct Spec: Codable, Sendable, Hashable {
        var size: Int?
    }

    struct WidgetStatus: Codable, Sendable, Hashable {
        var phase: String?
    }

    init(name: String, namespace: String? = nil, size: Int) {
        apiVersion = Self.resourceType.apiVersion
        kind = Self.resourceType.kind
        metadata = ObjectMeta(name: name, namespace: namespace)
        spec = Spec(size: size)
    }

    static var definition: CustomResourceDefinition {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "spec": ["type": "object", "properties": ["size": ["type": "integer", "minimum": 0], "color": ["type": "string"]]],
                "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
            ],
        ]
        return CustomResourceDefinition(
            metadata: ObjectMeta(name: "widgets.example.qmysql.test"),
            spec: CustomResourceDefinitionSpec(
                group: "example.qmysql.test",
                names: CustomResourceDefinitionNames(plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList"),
                scope: "Namespaced",
                versions: [CustomResourceDefinitionVersion(name: "v1", storage: true, schema: CustomResourceValidation(openAPIV3Schema: schema),
                                                           subresources: .statusOnly)]))
    }

    /// Installs the CRD and waits until the server serves widgets.
    static func install(_ client: KubeClient) async throws {
        _ = try await client.create(definition)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await client.get(CustomResourceDefinition.self, name: "widgets.example.qmysql.test").isEstablished { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the widgets CRD did not become Established within 10 s")
    }
}

/// Collects events of a watch stream in the background, so a test can wait for the ones it expects.
final class EventRecorder<Object: Sendable>: Sendable {
    private final class State: Sendable {
        let events = Mutex<[WatchEvent<Object>]>([])
        let failure = Mutex<Error?>(nil)
    }
    private let state = State()
    private let task: Task<Void, Never>

    init(_ stream: AsyncThrowingStream<WatchEvent<Object>, Error>) {
        let state = self.state
        task = Task {
            do {
                for try await event in stream { state.events.withLock { $0.append(event) } }
            } catch {
                state.failure.withLock { $0 = error }
            }
        }
    }

    var all: [WatchEvent<Object>] { state.events.withLock { $0 } }
    var error: Error? { state.failure.withLock { $0 } }

    /// Waits until `condition` holds for the events so far (at most `timeout`).
    func wait(_ what: String, timeout: Duration = .seconds(10), until condition: ([WatchEvent<Object>]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(all) { return }
            if let error { throw TestFailure("watch failed while waiting for \(what): \(error)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("timed out waiting for \(what); events: \(all.map { "\($0)".prefix(120) })")
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}

extension WatchEvent where Object: KubeResource {
    var name: String? { object?.metadata.name }

    var kindName: String {
        switch self {
        case .snapshot(_, let relist): relist ? "relist" : "snapshot"
        case .added: "added"
        case .modified: "modified"
        case .deleted: "deleted"
        case .bookmark: "bookmark"
        }
    }
}
