import AsyncHTTPClient
import Foundation
import Galera
import KubeAPI
import Logging
import NIOCore
import Operator

/// The kubelet's work for one pod: volumes as directories, init containers to completion, each
/// container as a supervised process (restarted with the kubelet's back-off), startup,
/// liveness and readiness probes, and the pod's status written back to the API.
///
/// A container still running from an earlier run of the playground's host is adopted, not
/// started twice: the host may restart (or crash) while the database keeps running.
actor PodWorker {
    struct Dependencies: Sendable {
        var layout: PlaygroundLayout
        var images: ImageCatalog
        var baseEnvironment: @Sendable (_ namespace: String) -> [String: String]
        var secretData: @Sendable (_ namespace: String, _ name: String) -> [String: Data]?
        var configMapData: @Sendable (_ namespace: String, _ name: String) -> [String: String]?
        /// Writes the pod's status; false when the API did not take it (tried again at the next publish).
        var writeStatus: @Sendable (_ namespace: String, _ pod: String, _ status: JSONValue) async -> Bool
        var event: @Sendable (_ namespace: String, _ pod: String, _ type: String, _ reason: String, _ message: String) async -> Void
        var probeClient: HTTPClient
        var logger: Logger
    }

    typealias ContainerView = PlaygroundContainerView

    let namespace: String
    let name: String
    let uid: String
    let podIP: String
    let pod: JSONValue
    let dependencies: Dependencies

    private var containers: [String: ContainerView] = [:]
    private var processes: [String: ManagedProcess] = [:]
    private var startedAt: [String: Date] = [:]
    private var initialized = false
    private var waitingReason: (reason: String, message: String)?
    private var lastWritten: JSONValue?
    private var stopping = false
    private var tasks: [Task<Void, Never>] = []
    private var plan: PodPlan?

    init(pod: JSONValue, podIP: String, dependencies: Dependencies) {
        self.pod = pod
        self.namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        self.name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        self.uid = pod[path: ["metadata", "uid"]]?.stringValue ?? ""
        self.podIP = podIP
        self.dependencies = dependencies
    }

    var isReady: Bool { !containers.isEmpty && containers.values.allSatisfy(\.ready) && initialized }
    var views: [ContainerView] { containers.values.sorted { $0.name < $1.name } }
    var problem: String? { waitingReason.map { "\($0.reason): \($0.message)" } }

    // MARK: Running

    func start() {
        tasks.append(Task { await self.run() })
    }

    private func run() async {
        let directory = dependencies.layout.podDirectory(namespace: namespace, pod: name)
        var retry: Duration = .seconds(1)
        while !stopping {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let plan = try makePlan()
                try writeVolumes(plan)
                self.plan = plan
                break
            } catch let error as PodPlanError {
                if case .unsupported = error {
                    await wait(reason: "CreateContainerConfigError", message: "\(error) (the playground refuses this pod)")
                    await dependencies.event(namespace, name, "Warning", "Unsupported", "\(error)")
                    return
                }
                await wait(reason: "CreateContainerConfigError", message: "\(error)")
            } catch {
                await wait(reason: "CreateContainerConfigError", message: "\(error)")
            }
            try? await Task.sleep(for: retry)
            retry = min(retry * 2, .seconds(10))
        }
        guard let plan, !stopping else { return }
        waitingReason = nil

        // A main container that still runs means the init containers ran before.
        let adopted = plan.containers.compactMap { container -> (String, ManagedProcess)? in
            ManagedProcess.adopt(pidFile: pidFile(container.name)).map { (container.name, $0) }
        }
        if adopted.isEmpty {
            for container in plan.initContainers {
                guard await runToCompletion(container) else { return }
            }
        }
        initialized = true
        // Restart counts live in the pod's status, as the kubelet keeps them across its own restarts.
        let recorded = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
        for container in plan.containers {
            let restarts = recorded.first { $0["name"]?.stringValue == container.name }?["restartCount"]?.intValue ?? 0
            containers[container.name] = ContainerView(name: container.name, running: false, ready: false, restarts: Int(restarts))
            let process = adopted.first { $0.0 == container.name }?.1
            tasks.append(Task { await self.supervise(container, adopted: process) })
            tasks.append(Task { await self.probe(container) })
        }
        await publish()
    }

    private func makePlan() throws -> PodPlan {
        let spec = pod["spec"]
        var directories: [String: String] = [:]
        for volume in spec?["volumes"]?.arrayValue ?? [] {
            guard let volumeName = volume["name"]?.stringValue else { continue }
            if let claim = volume[path: ["persistentVolumeClaim", "claimName"]]?.stringValue {
                directories[volumeName] = dependencies.layout.claimDirectory(namespace: namespace, claim: claim)
            } else {
                directories[volumeName] = dependencies.layout.volumeDirectory(namespace: namespace, pod: name, volume: volumeName)
            }
        }
        let namespace = self.namespace
        let secretData = dependencies.secretData
        let configMapData = dependencies.configMapData
        let context = PodContext(
            podName: name, namespace: namespace, podIP: podIP, volumeDirectories: directories,
            baseEnvironment: dependencies.baseEnvironment(namespace),
            secretValue: { secret, key in secretData(namespace, secret)?[key].map { String(decoding: $0, as: UTF8.self) } },
            configMapValue: { map, key in configMapData(namespace, map)?[key] })
        return try PodPlan.make(pod: pod, context: context, images: dependencies.images)
    }

    /// Secret and ConfigMap volumes are written afresh at every start of the worker (so a
    /// changed Secret reaches a restarted pod, as on a node); emptyDirs and claims are kept.
    private func writeVolumes(_ plan: PodPlan) throws {
        let fileManager = FileManager.default
        for volume in plan.volumes {
            let directory: String
            switch volume {
            case .claim(_, let claim): directory = dependencies.layout.claimDirectory(namespace: namespace, claim: claim)
            default: directory = dependencies.layout.volumeDirectory(namespace: namespace, pod: name, volume: volume.name)
            }
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let files: [String: Data]
            let items: [VolumePlan.KeyPath]?
            let mode: Int
            switch volume {
            case .emptyDirectory, .claim:
                continue
            case .secret(_, let secretName, let selected, let fileMode, let optional):
                guard let data = dependencies.secretData(namespace, secretName) else {
                    if optional { continue }
                    throw PodPlanError.missing(field: "spec.volumes[\(volume.name)].secret", reason: "Secret \(secretName) does not exist yet")
                }
                (files, items, mode) = (data, selected, fileMode)
            case .configMap(_, let mapName, let selected, let fileMode, let optional):
                guard let data = dependencies.configMapData(namespace, mapName) else {
                    if optional { continue }
                    throw PodPlanError.missing(field: "spec.volumes[\(volume.name)].configMap", reason: "ConfigMap \(mapName) does not exist yet")
                }
                (files, items, mode) = (data.mapValues { Data($0.utf8) }, selected, fileMode)
            }
            for item in items ?? files.keys.sorted().map({ VolumePlan.KeyPath(key: $0, path: $0) }) {
                guard let content = files[item.key] else {
                    throw PodPlanError.missing(field: "spec.volumes[\(volume.name)]", reason: "key \(item.key) does not exist yet")
                }
                let path = directory + "/" + item.path
                try fileManager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                // Replace, never edit in place: a reader sees the old file or the new one. The
                // owner keeps write access (the kubelet's files are root's; ours are the user's).
                try? fileManager.removeItem(atPath: path)
                try content.write(to: URL(fileURLWithPath: path), options: .atomic)
                try fileManager.setAttributes([.posixPermissions: mode | 0o600], ofItemAtPath: path)
            }
        }
    }

    private func pidFile(_ container: String) -> String {
        dependencies.layout.containerPIDFile(namespace: namespace, pod: name, container: container)
    }

    private func logFile(_ container: String) -> String {
        dependencies.layout.containerLog(namespace: namespace, pod: name, container: container)
    }

    private func spawn(_ container: ContainerPlan) throws -> ManagedProcess {
        try ManagedProcess.spawn(container.executable, arguments: container.arguments, environment: container.environment,
                                 logPath: logFile(container.name), pidFile: pidFile(container.name))
    }

    /// Runs an init container until it exits 0, retrying with back-off; false when stopped.
    private func runToCompletion(_ container: ContainerPlan) async -> Bool {
        var backoff: Duration = .seconds(1)
        while !stopping {
            do {
                let process = try spawn(container)
                processes[container.name] = process
                let exit = await process.wait()
                processes[container.name] = nil
                if exit?.isClean == true { return true }
                await wait(reason: "Init:Error", message: "init container \(container.name) \(exit?.description ?? "exited"); see \(logFile(container.name))")
            } catch {
                await wait(reason: "Init:Error", message: "cannot start init container \(container.name): \(error)")
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
        return false
    }

    /// Keeps one container running: the kubelet's `restartPolicy: Always` with its back-off
    /// (10 s doubling to 5 min, reset after 10 minutes of running).
    private func supervise(_ container: ContainerPlan, adopted: ManagedProcess?) async {
        var next = adopted
        var backoff: Duration = .seconds(10)
        while !stopping {
            let process: ManagedProcess
            if let ready = next {
                process = ready
                next = nil
            } else {
                do {
                    process = try spawn(container)
                } catch {
                    update(container.name) { $0.waiting = "cannot start: \(error)" }
                    await publish()
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(300))
                    continue
                }
            }
            processes[container.name] = process
            startedAt[container.name] = Date()
            update(container.name) {
                $0.pid = process.pid
                $0.running = true
                $0.waiting = nil
            }
            await publish()
            let exit = await process.wait()
            let ran = Date().timeIntervalSince(startedAt[container.name] ?? Date())
            processes[container.name] = nil
            guard !stopping else { break }
            update(container.name) {
                $0.running = false
                $0.ready = false
                $0.pid = nil
                $0.restarts += 1
                $0.lastExit = exit?.description ?? "exited (adopted, status unknown)"
                $0.waiting = "CrashLoopBackOff"
            }
            dependencies.logger.warning("container exited; restarting after back-off", metadata: [
                "pod": "\(namespace)/\(name)", "container": "\(container.name)", "exit": "\(exit?.description ?? "unknown")",
                "backoff": "\(backoff)"])
            await publish()
            if ran > 600 { backoff = .seconds(10) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(300))
        }
    }

    private func update(_ container: String, _ change: (inout ContainerView) -> Void) {
        guard var view = containers[container] else { return }
        change(&view)
        containers[container] = view
    }

    // MARK: Probes

    /// Startup first (nothing else is probed until it passes), then liveness and readiness
    /// each on its own period, as the kubelet does. A container without a readiness probe is
    /// ready while it runs.
    private func probe(_ container: ContainerPlan) async {
        while !stopping {
            // Wait for the process.
            while !stopping, containers[container.name]?.running != true { try? await Task.sleep(for: .milliseconds(200)) }
            guard !stopping, let pid = containers[container.name]?.pid else { return }
            if let startup = container.startup {
                guard await passes(startup, until: startup.failureThreshold, pid: pid) else {
                    restart(container.name, pid: pid, because: "startup probe failed \(startup.failureThreshold) times")
                    continue
                }
            }
            if container.readiness == nil {
                update(container.name) { $0.ready = true }
                await publish()
            }
            await withTaskGroup(of: Void.self) { group in
                if let readiness = container.readiness {
                    group.addTask { await self.readinessLoop(container.name, readiness, pid: pid) }
                }
                if let liveness = container.liveness {
                    group.addTask { await self.livenessLoop(container.name, liveness, pid: pid) }
                }
                await group.waitForAll()
            }
        }
    }

    private func stillRunning(_ container: String, pid: Int32) -> Bool {
        !stopping && containers[container]?.pid == pid
    }

    /// Probes until one success; false after `limit` consecutive failures.
    private func passes(_ probe: ProbePlan, until limit: Int, pid: Int32) async -> Bool {
        try? await Task.sleep(for: probe.initialDelay)
        var failures = 0
        while !stopping, ManagedProcess.startTime(of: pid) != nil {
            if await check(probe) { return true }
            failures += 1
            if failures >= limit { return false }
            try? await Task.sleep(for: probe.period)
        }
        return false
    }

    private func readinessLoop(_ container: String, _ probe: ProbePlan, pid: Int32) async {
        var successes = 0
        var failures = 0
        while stillRunning(container, pid: pid) {
            if await check(probe) {
                successes += 1
                failures = 0
            } else {
                failures += 1
                successes = 0
            }
            let ready = containers[container]?.ready ?? false
            if !ready, successes >= probe.successThreshold, stillRunning(container, pid: pid) {
                update(container) { $0.ready = true }
            } else if ready, failures >= probe.failureThreshold {
                update(container) { $0.ready = false }
            }
            // Every period, not only on a change: writes nothing when the status is as written,
            // and makes a failed write again.
            await publish()
            try? await Task.sleep(for: probe.period)
        }
    }

    private func livenessLoop(_ container: String, _ probe: ProbePlan, pid: Int32) async {
        var failures = 0
        while stillRunning(container, pid: pid) {
            try? await Task.sleep(for: probe.period)
            guard stillRunning(container, pid: pid) else { return }
            failures = await check(probe) ? 0 : failures + 1
            if failures >= probe.failureThreshold {
                restart(container, pid: pid, because: "liveness probe failed \(failures) times")
                return
            }
        }
    }

    private func restart(_ container: String, pid: Int32, because reason: String) {
        guard let process = processes[container], process.pid == pid else { return }
        dependencies.logger.warning("restarting container", metadata: ["pod": "\(namespace)/\(name)", "container": "\(container)", "reason": "\(reason)"])
        Task { await dependencies.event(namespace, name, "Warning", "Unhealthy", "container \(container): \(reason); restarting it") }
        process.signal(SIGTERM)
    }

    /// One HTTP(S) GET at the pod's address; 200-399 passes. Certificates are not verified,
    /// as the kubelet does not verify them.
    private func check(_ probe: ProbePlan) async -> Bool {
        let url = "\(probe.https ? "https" : "http")://\(podIP):\(probe.port)\(probe.path)"
        do {
            let response = try await dependencies.probeClient.execute(HTTPClientRequest(url: url), timeout: .seconds(probe.timeout.components.seconds))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return (200..<400).contains(Int(response.status.code))
        } catch {
            return false
        }
    }

    // MARK: Status

    private func wait(reason: String, message: String) async {
        if waitingReason?.reason != reason || waitingReason?.message != message {
            dependencies.logger.warning("pod cannot start", metadata: ["pod": "\(namespace)/\(name)", "reason": "\(reason)", "message": "\(message)"])
        }
        waitingReason = (reason, message)
        await publish()
    }

    /// The pod's status as the kubelet would report it, written when it changed.
    private func publish() async {
        let now = KubeTime.format(Date())
        let ready = isReady
        func condition(_ type: String, _ value: Bool) -> JSONValue {
            ["type": .string(type), "status": value ? "True" : "False", "lastTransitionTime": .string(now)]
        }
        var statuses: [JSONValue] = []
        for view in views {
            var state: JSONValue = [:]
            if view.running {
                state = ["running": ["startedAt": .string(KubeTime.format(startedAt[view.name] ?? Date()))]]
            } else {
                state = ["waiting": ["reason": .string(view.waiting ?? "ContainerCreating")]]
            }
            var entry: JSONValue = [
                "name": .string(view.name), "ready": .bool(view.ready), "restartCount": .int(Int64(view.restarts)),
                "started": .bool(view.running), "state": state,
                "image": pod[path: ["spec", "containers"]]?.arrayValue?.first { $0["name"]?.stringValue == view.name }?["image"] ?? "",
            ]
            if let lastExit = view.lastExit { entry["lastState"] = ["terminated": ["reason": "Error", "message": .string(lastExit)]] }
            statuses.append(entry)
        }
        var status: JSONValue = [
            "phase": .string(initialized && !containers.isEmpty ? "Running" : "Pending"),
            "podIP": .string(podIP), "podIPs": [["ip": .string(podIP)]], "hostIP": "127.0.0.1",
            "conditions": [
                condition("PodScheduled", true), condition("Initialized", initialized),
                condition("ContainersReady", ready), condition("Ready", ready),
            ],
            "containerStatuses": .array(statuses),
        ]
        if let waitingReason { status["message"] = .string("\(waitingReason.reason): \(waitingReason.message)") }
        // Compare without the timestamps: only a real change is written.
        let comparable = Self.withoutTimes(status)
        guard comparable != lastWritten.map(Self.withoutTimes) else { return }
        // Remembered only once the API took it: a write that failed (the API server restarting,
        // a conflict) is made again at the next publish instead of being taken as done.
        if await dependencies.writeStatus(namespace, name, status) { lastWritten = status }
    }

    static func withoutTimes(_ status: JSONValue) -> JSONValue {
        var copy = status
        if let conditions = copy["conditions"]?.arrayValue {
            copy["conditions"] = .array(conditions.map { condition in
                var condition = condition
                condition["lastTransitionTime"] = nil
                return condition
            })
        }
        return copy
    }

    // MARK: Stopping

    /// Stops every container: SIGTERM, SIGKILL after the pod's grace period.
    func stop() async {
        stopping = true
        for task in tasks { task.cancel() }
        let grace = plan?.terminationGracePeriod ?? .seconds(30)
        await withTaskGroup(of: Void.self) { group in
            for process in processes.values { group.addTask { await process.stop(grace: grace) } }
        }
        // Adopted processes that were not handed to a supervisor yet (stopped during start).
        for container in plan?.containers ?? [] {
            if let process = ManagedProcess.adopt(pidFile: pidFile(container.name)) { await process.stop(grace: grace) }
        }
        processes.removeAll()
        // Said in the API, as a kubelet reports its containers' end: after `playground down`
        // nothing reads as ready until it is ready again.
        for name in containers.keys {
            update(name) {
                $0.running = false
                $0.ready = false
                $0.pid = nil
                $0.waiting = "Stopped"
            }
        }
        await publish()
    }
}
