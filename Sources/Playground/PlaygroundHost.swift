import Clocks
import Foundation
import Galera
import KubeAPI
import KubeClient
import KubeServer
import Logging
import Operator
import QiniuAPI
import Synchronization

/// The playground's long-running process (`kubectl-qmysql playground host`, started by
/// `playground up`): the local API server (persisted in the playground's directory), the real
/// operator as a child process, and the `LocalRuntime` that runs what the operator renders.
/// On SIGTERM (`playground down`) it stops, in order: the operator (nothing re-creates), the
/// controllers (nothing repairs), the database pods (each agent stops its mysqld gracefully),
/// the endpoints, and last the API server.
public final class PlaygroundHost: Sendable {
    public let layout: PlaygroundLayout
    let executable: String
    let logger: Logger

    public init(layout: PlaygroundLayout, executable: String, logger: Logger) {
        self.layout = layout
        self.executable = executable
        self.logger = logger
    }

    /// The images the playground runs: the operator's qmysql image (this executable) and the
    /// MariaDB image (the host's packages). The Percona flavor has no Debian packages here.
    public var images: ImageCatalog {
        let settings = OperatorSettings()
        return ImageCatalog(hostRepositories: ["docker.io/library/mariadb", "mariadb", "library/mariadb"],
                            qmysqlRepository: ImageCatalog.repository(settings.image), qmysqlBinaryPath: settings.binaryPath,
                            executable: executable)
    }

    private let operatorState = Mutex<(process: ManagedProcess?, restarts: Int, lastExit: String?)>((nil, 0, nil))

    /// Runs until SIGTERM or SIGINT.
    public func run() async throws {
        let settings = try PlaygroundSettings.load(layout) ?? {
            let fresh = try PlaygroundSettings.generate(apiPort: nil, operatorPort: nil)
            try fresh.save(layout)
            return fresh
        }()
        var configuration = KubeServerConfiguration()
        configuration.port = settings.apiPort
        configuration.certificateAuthority = try CertificateAuthority(certificatePEM: settings.caCertificatePEM, keyPEM: settings.caKeyPEM)
        configuration.adminToken = settings.adminToken
        configuration.storagePath = layout.objects
        let server = try await LocalKubeServer.start(configuration, logger: logger)
        try writeKubeconfig(server.adminKubeconfigYAML(namespace: "default"))
        try? "\(getpid()) \(ManagedProcess.startTime(of: getpid()) ?? 0)\n".write(toFile: layout.hostPIDFile, atomically: true, encoding: .utf8)

        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig), logger: logger)
        try await ensureCustomResourceDefinitions(client)

        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        let users = try ContainerUsers.current().get()
        let catalog = try ImageStore.prepare(layout, images: images, users: users)
        logger.info("pods run \(users.summary)")
        let runtime = LocalRuntime(
            settings: LocalRuntime.Settings(layout: layout, images: catalog, inheritedEnvironment: environment, users: users),
            client: client, logger: logger)
        let header: @Sendable () -> PlaygroundStatus.Host = { [self, layout] in
            var host = PlaygroundStatus.Host()
            host.pid = getpid()
            host.apiServer = server.url.absoluteString
            host.kubeconfig = layout.kubeconfig
            self.operatorState.withLock { state in
                host.operatorPID = state.process?.isRunning == true ? state.process?.pid : nil
                host.operatorRestarts = state.restarts
                host.operatorLastExit = state.lastExit
            }
            host.operatorMetrics = "http://127.0.0.1:\(settings.operatorPort)/metrics"
            host.podUsers = users.summary
            return host
        }
        await runtime.setStatusHeader(header)

        // pods/log and pods/exec reach the runtime, as kube-apiserver reaches a pod's kubelet.
        server.connectPods(PodConnection(
            logFile: { [layout] namespace, pod, container in layout.containerLog(namespace: namespace, pod: pod, container: container) },
            exec: { request in try await runtime.exec(request) }))
        // An exec's client may go away while its command still writes: a write to its pipe must
        // be an error, not the host's end.
        signal(SIGPIPE, SIG_IGN)
        let signals = SignalWaiter()
        let runtimeTask = Task { await runtime.run() }
        let operatorTask = Task { await self.superviseOperator(settings: settings, environment: environment) }
        logger.info("playground is up", metadata: ["api": "\(server.url)", "kubeconfig": "\(layout.kubeconfig)"])

        await signals.wait()
        let stopping = ContinuousClock.now
        let step: @Sendable (String) -> Void = { [logger] what in
            logger.notice("\(what)", metadata: ["after": "\((ContinuousClock.now - stopping).readable)"])
        }
        logger.notice("stopping the playground")
        operatorTask.cancel()
        await operatorTask.value
        step("the operator stopped")
        runtimeTask.cancel()
        await runtimeTask.value
        await runtime.shutdown(stopPods: true, progress: step)
        try? await client.shutdown()
        await server.shutdown()
        step("the API server stopped")
        try? FileManager.default.removeItem(atPath: layout.hostPIDFile)
        try? FileManager.default.removeItem(atPath: layout.status)
        logger.notice("playground stopped")
    }

    private func writeKubeconfig(_ yaml: String) throws {
        try yaml.write(toFile: layout.kubeconfig, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: layout.kubeconfig)
    }

    /// What `kubectl qmysql install` does, before anything else may create a cluster (the
    /// operator does it too when it starts; both are idempotent).
    private func ensureCustomResourceDefinitions(_ client: KubeClient) async throws {
        let settings = OperatorSettings()
        try await QMySQLOperator.ensureCustomResourceDefinitions(client: client, fieldManager: settings.fieldManager, logger: logger)
        // Served once Established (the API server's CRD controller acts just after the create).
        for _ in 0..<100 {
            let established = try await client.listAllRaw(CustomResourceDefinition.resourceType).filter { crd in
                crd[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } ?? false
            }
            if established.count >= QiniuCRDs.all.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PlaygroundError("the CustomResourceDefinitions were not established within 10 s")
    }

    /// The operator, exactly as it runs in a cluster but pointed at the playground's API server,
    /// kept running like a Deployment would (restarted with back-off when it exits).
    private func superviseOperator(settings: PlaygroundSettings, environment: [String: String]) async {
        var environment = environment
        environment["QMYSQL_HOSTS_FILE"] = layout.clusterHostsFile
        var backoff = Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0)
        var adopted = ManagedProcess.adopt(pidFile: layout.operatorPIDFile)
        while !Task.isCancelled {
            let process: ManagedProcess
            if let running = adopted {
                process = running
                adopted = nil
            } else {
                do {
                    process = try ManagedProcess.spawn(
                        executable,
                        arguments: ["operator", "--kubeconfig", layout.kubeconfig, "--lease-namespace", "default",
                                    "--identity", "playground", "--listen", "127.0.0.1:\(settings.operatorPort)", "--log-format", "json"],
                        environment: environment, logPath: layout.operatorLog, pidFile: layout.operatorPIDFile)
                } catch {
                    logger.error("cannot start the operator", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: backoff.next())
                    continue
                }
            }
            operatorState.withLock { $0.process = process }
            let started = ContinuousClock.now
            let exit: String? = await withTaskCancellationHandler {
                await process.wait()?.description ?? "exited"
            } onCancel: {
                process.signal(SIGTERM)
            }
            if Task.isCancelled {
                _ = await process.wait(timeout: .seconds(30))
                if process.isRunning { process.signal(SIGKILL) }
                break
            }
            operatorState.withLock {
                $0.restarts += 1
                $0.lastExit = exit
            }
            logger.warning("the operator exited; restarting it", metadata: ["exit": "\(exit ?? "unknown")", "log": "\(layout.operatorLog)"])
            if ContinuousClock.now - started > .seconds(600) { backoff.reset() }
            try? await Task.sleep(for: backoff.next())
        }
    }
}

/// Waits for SIGTERM or SIGINT. Unchecked: the signal sources are set up in `init` and never
/// touched again; the state they change is behind a mutex.
final class SignalWaiter: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let fired = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init() {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.fire() }
            source.resume()
        }
    }

    private func fire() {
        let waiters = fired.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.done = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = fired.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
