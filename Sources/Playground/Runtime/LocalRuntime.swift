import AgentAPI
import AsyncHTTPClient
import Foundation
import KubeAPI
import KubeClient
import KubeRuntime
import KubeServer
import Logging
import NIOSSL
import Operator
import QiniuAPI
import RoleNetwork

/// What stands in for the kubelet, the StatefulSet and Deployment controllers, cluster DNS and
/// kube-proxy on one machine. It watches the API like they do and acts on one level-triggered
/// pass at a time (`sync`): workloads get their pods and claims, pods get a `PodWorker` each
/// on their own loopback address, namespaces get host tables, balanced Services get an
/// `EndpointProxy` and, as root with nftables, a rule in the kernel's NAT table
/// (`KernelBalancer`). Everything it writes goes through the API, as a kubelet's writes do.
public actor LocalRuntime {
    public struct Settings: Sendable {
        public var layout: PlaygroundLayout
        public var images: ImageCatalog
        /// Pods get addresses from `addressPrefix.0.2` up (a /16 of 127.0.0.0/8).
        public var addressPrefix = "127.42"
        /// The host balanced Services listen on, and how far above the Service's port.
        public var endpointHost = "127.0.0.1"
        public var endpointPortOffset = 10000
        /// What every process inherits from the host's environment.
        public var inheritedEnvironment: [String: String]
        /// Who containers run as: their securityContext's users (as root) or the invoking user.
        public var users: ContainerUsers

        public init(layout: PlaygroundLayout, images: ImageCatalog, inheritedEnvironment: [String: String],
                    users: ContainerUsers = .invokingUser(uid: Int(getuid()), gid: Int(getgid()))) {
            self.layout = layout
            self.images = images
            self.inheritedEnvironment = inheritedEnvironment
            self.users = users
        }
    }

    /// What survives a restart of the host: addresses and ports stay where clients know them.
    public struct State: Codable, Equatable, Sendable {
        /// `namespace/pod` to its loopback address.
        public var addresses: [String: String] = [:]
        /// `namespace/service/port` to its endpoint port on 127.0.0.1.
        public var endpointPorts: [String: Int] = [:]
    }

    /// The state a runtime saved in `layout` (nil when there is none, or it is unreadable).
    public static func savedState(_ layout: PlaygroundLayout) -> State? {
        FileManager.default.contents(atPath: layout.runtimeState).flatMap { try? JSONDecoder().decode(State.self, from: $0) }
    }

    /// One row of `playground status`.
    public struct PodView: Sendable, Codable, Equatable {
        public var namespace: String
        public var name: String
        public var address: String
        public var ready: Bool
        public var problem: String?
        public var containers: [PlaygroundContainerView]
    }

    public struct EndpointView: Sendable, Codable, Equatable {
        public var namespace: String
        public var service: String
        public var port: String
        public var address: String
        public var backends: [String]
        public var problem: String?
    }

    let settings: Settings
    let client: KubeClient
    let logger: Logger
    let events: EventRecorder
    let probeClient: HTTPClient
    let caches: [String: ObjectCache]

    private var state = State()
    private var workers: [ObjectKey: PodWorker] = [:]
    private var workerUIDs: [ObjectKey: String] = [:]
    /// Pods being stopped: a pod of the same name starts only once its old processes are gone.
    private var stopping: [ObjectKey: Task<Void, Never>] = [:]
    private var proxies: [String: EndpointProxy] = [:]
    private var proxyProblems: [String: String] = [:]
    private var kernel: KernelBalancer?
    /// The routes the kernel's table has now (nil: not applied yet).
    private var kernelRoutes: [KernelBalancer.Route]?
    /// How endpoints are balanced, for `playground status` (set as `run` begins).
    private var balancing: String?
    private var writtenTables: [String: HostTable] = [:]
    private var dirty = true
    private var shuttingDown = false
    private var readiness: [ObjectKey: Bool] = [:]

    static let kinds: [String: ResourceType] = [
        "statefulsets": StatefulSet.resourceType, "deployments": Deployment.resourceType, "pods": Pod.resourceType,
        "claims": PersistentVolumeClaim.resourceType, "services": Service.resourceType, "secrets": Secret.resourceType,
        "configmaps": ConfigMap.resourceType, "namespaces": Namespace.resourceType,
    ]

    public init(settings: Settings, client: KubeClient, logger: Logger) {
        self.settings = settings
        self.client = client
        self.logger = logger
        events = EventRecorder(client: client, component: "playground-runtime", logger: logger)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        probeClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        caches = Self.kinds.mapValues { ObjectCache(type: $0) }
        if let saved = Self.savedState(settings.layout) { state = saved }
    }

    // MARK: Running

    /// Watches and acts until cancelled. Pods keep running: `shutdown` stops them (the host
    /// decides whether a stop of its own is a `down`).
    public func run() async {
        await setUpBalancing()
        await withTaskGroup(of: Void.self) { group in
            for cache in caches.values {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await cache.run(client: self.client, namespaces: [], logger: self.logger) { _ in await self.markDirty() }
                        } catch {
                            self.logger.warning("watch failed; retrying", metadata: ["resource": "\(cache.type.plural)", "error": "\(error)"])
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.syncIfNeeded()
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            await group.waitForAll()
        }
    }

    func markDirty() { dirty = true }

    private var synced: Bool { caches.values.allSatisfy { $0.hasSynced(namespaces: 1) } }

    private var lastFullSync = ContinuousClock.now

    private func syncIfNeeded() async {
        guard !shuttingDown, synced else { return }
        // Readiness changes arrive from the workers, not the watch: look every second.
        guard dirty || ContinuousClock.now - lastFullSync > .seconds(1) else { return }
        dirty = false
        lastFullSync = .now
        await sync()
    }

    func cache(_ name: String) -> ObjectCache { caches[name]! }

    /// One pass of every controller this runtime stands in for.
    func sync() async {
        await syncWorkloads()
        await syncPods()
        await syncNames()
        await syncEndpoints()
        saveState()
        await writeStatusFile()
    }

    // MARK: Workloads (the StatefulSet and Deployment controllers)

    private func owned(by workload: JSONValue) -> [JSONValue] {
        guard let uid = workload[path: ["metadata", "uid"]]?.stringValue,
              let namespace = workload[path: ["metadata", "namespace"]]?.stringValue else { return [] }
        return cache("pods").list().filter { pod in
            pod[path: ["metadata", "namespace"]]?.stringValue == namespace
                && (pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == uid }
        }
    }

    private func syncWorkloads() async {
        for set in cache("statefulsets").list() where set[path: ["metadata", "deletionTimestamp"]] == nil {
            let namespace = set[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let claims = Set(cache("claims").list().filter { $0[path: ["metadata", "namespace"]]?.stringValue == namespace }
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue })
            await perform(WorkloadDecisions.statefulSet(set, pods: owned(by: set), claims: claims), for: set, type: StatefulSet.resourceType)
        }
        for deployment in cache("deployments").list() where deployment[path: ["metadata", "deletionTimestamp"]] == nil {
            await perform(WorkloadDecisions.deployment(deployment, pods: owned(by: deployment), suffix: Self.randomSuffix),
                          for: deployment, type: Deployment.resourceType)
        }
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    private func perform(_ writes: [WorkloadDecisions.Write], for workload: JSONValue, type: ResourceType) async {
        guard let key = ObjectKey(workload) else { return }
        for write in writes {
            do {
                switch write {
                case .createPod(let pod):
                    cache("pods").store(try await client.createRaw(Pod.resourceType, pod, namespace: key.namespace))
                case .deletePod(let name):
                    try await client.deleteRaw(Pod.resourceType, name: name, namespace: key.namespace)
                    cache("pods").remove(ObjectKey(namespace: key.namespace, name: name))
                case .createClaim(let claim):
                    let created = try await client.createRaw(PersistentVolumeClaim.resourceType, claim, namespace: key.namespace)
                    cache("claims").store(created)
                    // A directory is always there: the claim is bound at once.
                    if let name = created[path: ["metadata", "name"]]?.stringValue {
                        _ = try? await client.mergePatchRaw(PersistentVolumeClaim.resourceType, name: name, namespace: key.namespace,
                                                            patch: ["status": ["phase": "Bound", "accessModes": ["ReadWriteOnce"],
                                                                               "capacity": created[path: ["spec", "resources", "requests"]] ?? [:]]],
                                                            subresource: "status")
                    }
                case .status(let status):
                    cache(type.plural).store(try await client.mergePatchRaw(type, name: key.name, namespace: key.namespace,
                                                                             patch: ["status": status], subresource: "status"))
                }
            } catch let error as KubeError where error.isAlreadyExists || error.isNotFound {
                dirty = true
            } catch {
                logger.warning("workload write failed", metadata: ["workload": "\(type.kind) \(key)", "error": "\(error)"])
                dirty = true
            }
        }
    }

    // MARK: Pods (the kubelet)

    private func address(for key: ObjectKey) -> String? {
        if let known = state.addresses["\(key)"] { return known }
        let taken = Set(state.addresses.values)
        // .X.2 to .X.251 of each /24: no .0, .1 or broadcast look-alikes.
        for index in 0..<(250 * 256) {
            let candidate = "\(settings.addressPrefix).\(index / 250).\(index % 250 + 2)"
            if !taken.contains(candidate) {
                state.addresses["\(key)"] = candidate
                return candidate
            }
        }
        return nil
    }

    private func syncPods() async {
        var present: [ObjectKey: JSONValue] = [:]
        for pod in cache("pods").list() {
            guard let key = ObjectKey(pod) else { continue }
            present[key] = pod
        }
        // Pods that went (or were replaced by a new pod of the same name): stop them.
        for (key, worker) in workers {
            let uid = present[key]?[path: ["metadata", "uid"]]?.stringValue
            guard uid != workerUIDs[key] || present[key]?[path: ["metadata", "deletionTimestamp"]] != nil else { continue }
            workers[key] = nil
            workerUIDs[key] = nil
            readiness[key] = nil
            let layout = settings.layout
            let previous = stopping[key]
            stopping[key] = Task {
                await previous?.value
                await worker.stop()
                // The pod is gone: its volumes go with it; claims stay.
                try? FileManager.default.removeItem(atPath: layout.podDirectory(namespace: key.namespace, pod: key.name))
                self.stopped(key)
            }
        }
        for (key, pod) in present where workers[key] == nil && stopping[key] == nil {
            guard pod[path: ["metadata", "deletionTimestamp"]] == nil, let uid = pod[path: ["metadata", "uid"]]?.stringValue,
                  let ip = address(for: key) else { continue }
            let worker = PodWorker(pod: pod, podIP: ip, dependencies: workerDependencies)
            workers[key] = worker
            workerUIDs[key] = uid
            await worker.start()
        }
        for (key, worker) in workers { readiness[key] = await worker.isReady }
    }

    /// A pod's processes are gone: its address is free again unless a pod of the same name
    /// (a StatefulSet's replacement) already waits for it.
    private func stopped(_ key: ObjectKey) {
        stopping[key] = nil
        if cache("pods").get(key) == nil { state.addresses["\(key)"] = nil }
        dirty = true
    }

    private var workerDependencies: PodWorker.Dependencies {
        let caches = self.caches
        let client = self.client
        let events = self.events
        let layout = settings.layout
        let inherited = settings.inheritedEnvironment
        return PodWorker.Dependencies(
            layout: layout, images: settings.images,
            baseEnvironment: { namespace in
                var environment = inherited
                environment[HostTable.environmentVariable] = layout.hostsFile(namespace: namespace)
                return environment
            },
            secretData: { namespace, name in
                guard let secret = caches["secrets"]?.get(namespace: namespace, name: name) else { return nil }
                return (secret["data"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.flatMap { Data(base64Encoded: $0) } }
            },
            configMapData: { namespace, name in
                guard let map = caches["configmaps"]?.get(namespace: namespace, name: name) else { return nil }
                return (map["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            },
            writeStatus: { namespace, name, status in
                do {
                    let written = try await client.mergePatchRaw(Pod.resourceType, name: name, namespace: namespace,
                                                                 patch: ["status": status], subresource: "status")
                    caches["pods"]?.store(written)
                    return true
                } catch {
                    // The pod may be gone already, or the API not answering yet: the worker
                    // writes again at its next publish.
                    return false
                }
            },
            event: { namespace, name, type, reason, message in
                let object: JSONValue = ["apiVersion": "v1", "kind": "Pod",
                                         "metadata": ["name": .string(name), "namespace": .string(namespace)]]
                await events.record(object, kind: type == "Warning" ? .warning : .normal, reason: reason, message: message)
            },
            probeClient: probeClient, users: settings.users, logger: logger)
    }

    /// `kubectl exec` into a running container (nil: no such pod or container running here).
    public func exec(_ request: ExecRequest) async throws -> ExecProcess? {
        guard let worker = workers[ObjectKey(namespace: request.namespace, name: request.pod)] else { return nil }
        return try await worker.exec(request)
    }

    // MARK: Names (cluster DNS)

    private var podRoutes: [ServiceRouting.PodRoute] {
        cache("pods").list().compactMap { pod in
            guard let key = ObjectKey(pod), let address = state.addresses["\(key)"], workers[key] != nil else { return nil }
            return ServiceRouting.PodRoute(pod: pod, address: address, ready: readiness[key] ?? false)
        }
    }

    private func syncNames() async {
        let namespaces = Set(cache("namespaces").list().compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        let tables = ServiceRouting.hostTables(pods: podRoutes, services: cache("services").list(), namespaces: namespaces)
        for (namespace, table) in tables where writtenTables[namespace] != table {
            let path = settings.layout.hostsFile(namespace: namespace)
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try table.rendered(header: "written by the qmysql playground's runtime: what cluster DNS would answer")
                    .write(toFile: path, atomically: true, encoding: .utf8)
                writtenTables[namespace] = table
            } catch {
                logger.warning("cannot write a host table", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    // MARK: Endpoints (kube-proxy and a load balancer)

    private func syncEndpoints() async {
        let routes = podRoutes
        var wanted: Set<String> = []
        // By name, so that a cluster's first Service takes the first port (demo 13306, then
        // demo-readers 13307 and demo-writer 13308), whatever order the cache lists them in.
        let services = cache("services").list().filter(ServiceRouting.isBalanced)
            .sorted { (ObjectKey($0)?.namespace ?? "", ObjectKey($0)?.name ?? "") < (ObjectKey($1)?.namespace ?? "", ObjectKey($1)?.name ?? "") }
        for service in services {
            guard let key = ObjectKey(service) else { continue }
            var addresses: [(String, String)] = []
            for port in service[path: ["spec", "ports"]]?.arrayValue ?? [] {
                let portName = port["name"]?.stringValue ?? port["port"]?.intValue.map { String($0) } ?? "port"
                let id = "\(key)/\(portName)"
                wanted.insert(id)
                let backends = ServiceRouting.backends(service, port: port, pods: routes)
                if let proxy = proxies[id] {
                    proxy.setBackends(backends)
                    addresses.append((portName, proxy.address))
                    continue
                }
                let known = state.endpointPorts[id]
                var busy: Set<Int> = []
                var number = known ?? nextEndpointPort(for: Int(port["port"]?.intValue ?? 0), excluding: busy)
                do {
                    // A port clients already know is kept (or reported taken); a new one moves on
                    // past ports something else holds.
                    var proxy: EndpointProxy
                    while true {
                        do {
                            proxy = try await EndpointProxy.start(host: settings.endpointHost, port: number)
                            break
                        } catch {
                            busy.insert(number)
                            if known != nil || busy.count >= 50 { throw error }
                            number = nextEndpointPort(for: Int(port["port"]?.intValue ?? 0), excluding: busy)
                        }
                    }
                    proxy.setBackends(backends)
                    proxies[id] = proxy
                    proxyProblems[id] = nil
                    state.endpointPorts[id] = number
                    addresses.append((portName, proxy.address))
                    logger.info("endpoint listening", metadata: ["service": "\(key)", "port": "\(portName)", "address": "\(proxy.address)"])
                } catch {
                    let problem = "cannot listen on \(settings.endpointHost):\(number): \(error)"
                    if proxyProblems[id] != problem { logger.error("endpoint unavailable", metadata: ["service": "\(key)", "error": "\(problem)"]) }
                    proxyProblems[id] = problem
                }
            }
            await annotate(service, key: key, addresses: addresses)
        }
        for (id, proxy) in proxies where !wanted.contains(id) {
            await proxy.close()
            proxies[id] = nil
            state.endpointPorts[id] = nil
        }
        await syncKernelRoutes()
    }

    /// In the kernel's NAT table where it can be used, by the `EndpointProxy` alone otherwise.
    private func setUpBalancing() async {
        switch await KernelBalancer.make(directory: settings.layout.root) {
        case .success(let balancer):
            kernel = balancer
            balancing = "in the kernel (nftables table ip \(balancer.table)), as kube-proxy does"
        case .failure(let failure):
            balancing = "by the playground's own proxy: \(failure)"
        }
        logger.info("endpoints are balanced \(balancing ?? "")")
    }

    /// The kernel's table follows the proxies' backends: one transaction for every endpoint.
    private func syncKernelRoutes() async {
        guard let kernel else { return }
        let routes = proxies.sorted { $0.key < $1.key }.map { KernelBalancer.Route(host: $0.value.host, port: $0.value.port, backends: $0.value.backends) }
        guard routes != kernelRoutes else { return }
        do {
            try await kernel.apply(routes)
            kernelRoutes = routes
        } catch {
            // The proxies hold every port already: without the table they take the connections.
            logger.error("cannot update the kernel's NAT table; endpoints fall back to the playground's own proxy", metadata: ["error": "\(error)"])
            await kernel.remove()
            self.kernel = nil
            balancing = "by the playground's own proxy: the kernel's table failed: \(error)"
        }
    }

    /// 10000 above the Service's port when free (3306 becomes 13306), else the next free one.
    private func nextEndpointPort(for servicePort: Int, excluding busy: Set<Int>) -> Int {
        let taken = Set(state.endpointPorts.values).union(busy)
        var port = settings.endpointPortOffset + servicePort
        while taken.contains(port) || port > 65535 { port = port > 65535 ? settings.endpointPortOffset + 1 : port + 1 }
        return port
    }

    private func annotate(_ service: JSONValue, key: ObjectKey, addresses: [(String, String)]) async {
        guard !addresses.isEmpty else { return }
        let value = addresses.count == 1 ? addresses[0].1 : addresses.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        guard service[path: ["metadata", "annotations", QiniuAnnotations.publishedAddress]]?.stringValue != value else { return }
        do {
            let patched = try await client.mergePatchRaw(Service.resourceType, name: key.name, namespace: key.namespace,
                                                         patch: ["metadata": ["annotations": [QiniuAnnotations.publishedAddress: .string(value)]]])
            cache("services").store(patched)
        } catch {
            logger.warning("cannot annotate a Service with its address", metadata: ["service": "\(key)", "error": "\(error)"])
        }
    }

    // MARK: State and status

    private var savedState: State?

    private func saveState() {
        guard state != savedState else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: URL(fileURLWithPath: settings.layout.runtimeState), options: .atomic)
            savedState = state
        } catch {
            logger.warning("cannot save the runtime's state", metadata: ["path": "\(settings.layout.runtimeState)", "error": "\(error)"])
        }
    }

    public func pods() async -> [PodView] {
        var views: [PodView] = []
        for (key, worker) in workers {
            views.append(PodView(namespace: key.namespace, name: key.name, address: state.addresses["\(key)"] ?? "",
                                 ready: await worker.isReady, problem: await worker.problem, containers: await worker.views))
        }
        return views.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    public func endpoints() -> [EndpointView] {
        var views: [EndpointView] = []
        for (id, port) in state.endpointPorts {
            let parts = id.split(separator: "/").map(String.init)
            guard parts.count == 3 else { continue }
            let proxy = proxies[id]
            views.append(EndpointView(namespace: parts[0], service: parts[1], port: parts[2],
                                      address: proxy?.address ?? "\(settings.endpointHost):\(port)",
                                      backends: proxy?.backends.map { "\($0.host):\($0.port)" } ?? [], problem: proxyProblems[id]))
        }
        return views.sorted { ($0.namespace, $0.service, $0.port) < ($1.namespace, $1.service, $1.port) }
    }

    /// Extra lines for `status.json`, set by the host (its own and the operator's processes).
    public var statusHeader: @Sendable () -> PlaygroundStatus.Host = { PlaygroundStatus.Host() }

    public func setStatusHeader(_ header: @escaping @Sendable () -> PlaygroundStatus.Host) { statusHeader = header }

    private var lastStatus: PlaygroundStatus?

    func writeStatusFile() async {
        var host = statusHeader()
        host.endpointBalancing = balancing
        let status = PlaygroundStatus(host: host, pods: await pods(), endpoints: endpoints())
        guard status != lastStatus else { return }
        lastStatus = status
        do {
            try status.write(to: settings.layout.status)
        } catch {
            logger.warning("cannot write the status file", metadata: ["path": "\(settings.layout.status)", "error": "\(error)"])
        }
    }

    // MARK: Shutdown

    /// Stops every endpoint and, with `stopPods`, every pod: the controllers' pods first (so
    /// nothing repairs the database pods while they stop), then the rest together.
    public func shutdown(stopPods: Bool, progress: @Sendable (String) -> Void = { _ in }) async {
        shuttingDown = true
        if stopPods {
            let isController: (ObjectKey) -> Bool = { key in
                self.cache("pods").get(key)?[path: ["metadata", "ownerReferences"]]?.arrayValue?.contains { $0["kind"] == "Deployment" } ?? false
            }
            let controllers = workers.filter { isController($0.key) }
            await withTaskGroup(of: Void.self) { group in
                for worker in controllers.values { group.addTask { await worker.stop() } }
            }
            progress("\(controllers.count) controller pod(s) stopped")
            await withTaskGroup(of: Void.self) { group in
                for (key, worker) in workers where !isController(key) { group.addTask { await worker.stop() } }
            }
            progress("\(workers.count - controllers.count) other pod(s) stopped")
        }
        for task in stopping.values { await task.value }
        await kernel?.remove()
        kernel = nil
        for proxy in proxies.values { await proxy.close() }
        proxies.removeAll()
        saveState()
        try? await probeClient.shutdown()
    }
}
