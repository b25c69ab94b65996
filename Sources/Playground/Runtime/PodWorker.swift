import AsyncHTTPClient
import Clocks
import Foundation
import Galera
import KubeAPI
import KubeClient
import Logging
import NIOCore
import KubeServer
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
        /// Who containers run as (root: their securityContext's users; else the invoking user).
        var users: ContainerUsers
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
    /// Running execs, by container: their sessions and pid files.
    private var execSessions: [String: [pid_t: (session: ProcessSession, file: String)]] = [:]
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
        var retry = Backoff(initial: .seconds(1), cap: .seconds(10), jitter: 0)
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
            try? await Task.sleep(for: retry.next())
        }
        guard let plan, !stopping else { return }
        waitingReason = nil

        // A main container that still runs means the init containers ran before.
        let adopted = plan.containers.compactMap { container -> (String, ManagedProcess)? in
            ManagedProcess.adopt(pidFile: pidFile(container.name)).map { (container.name, $0) }
        }
        // A container whose first process ended while no host watched (the host was down) ended
        // as a whole: what it started goes with it, as with a cgroup.
        for container in plan.initContainers + plan.containers where !adopted.contains(where: { $0.0 == container.name }) {
            await endLeftovers(ManagedProcess.recorded(pidFile: pidFile(container.name))?.session, of: container.name,
                               because: "its container had ended while the playground's host was down")
        }
        if adopted.isEmpty {
            if plan.startDelay > .zero {
                // An image pull, a volume attach: the pod waits in ContainerCreating.
                await wait(reason: "ContainerCreating", message: "starting in \(plan.startDelay.readable) (\(PodPlan.startDelayAnnotation))")
                try? await Task.sleep(for: plan.startDelay)
                guard !stopping else { return }
                waitingReason = nil
            }
            for container in plan.initContainers {
                guard await runToCompletion(container) else { return }
            }
        }
        initialized = true
        // Restart counts live in the pod's status, as the kubelet keeps them across its own
        // restarts; so does an adopted container's readiness, until its next probe says
        // otherwise: the endpoints must not drop a serving node because the host restarted.
        let recorded = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
        for container in plan.containers {
            let entry = recorded.first { $0["name"]?.stringValue == container.name }
            let restarts = entry?["restartCount"]?.intValue ?? 0
            let process = adopted.first { $0.0 == container.name }?.1
            var view = ContainerView(name: container.name, running: false, ready: false, restarts: Int(restarts))
            view.user = userSummary(container.identity)
            if let process {
                view.running = true
                view.pid = process.pid
                view.ready = entry?["ready"]?.boolValue ?? false
            }
            containers[container.name] = view
            tasks.append(Task { await self.supervise(container, adopted: process) })
            tasks.append(Task { await self.probe(container) })
        }
        tasks.append(Task { await self.refreshVolumes(plan) })
        await publish()
    }

    /// Keeps the running pod's Secret and ConfigMap files current, as the kubelet's sync does
    /// (it takes up to a minute there; here 10 s).
    private func refreshVolumes(_ plan: PodPlan) async {
        while !stopping {
            try? await Task.sleep(for: .seconds(10))
            guard !stopping else { return }
            do {
                try writeVolumes(plan, refreshing: true)
            } catch {
                dependencies.logger.debug("cannot refresh a volume", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
            }
        }
    }

    /// Kills what is left of a container's session (its first process has exited), and its
    /// execs, and says so.
    private func endLeftovers(_ session: ProcessSession?, of container: String, because reason: String) async {
        await endExecs(of: container)
        guard let session else { return }
        let killed = await session.killAllOffThePool()
        guard !killed.isEmpty else { return }
        dependencies.logger.notice("killed what the container left running", metadata: [
            "pod": "\(namespace)/\(name)", "container": "\(container)", "reason": "\(reason)",
            "processes": "\(killed.map { "\($0.command) (\($0.pid))" }.joined(separator: ", "))"])
    }

    private func userSummary(_ identity: ContainerIdentity) -> String {
        switch dependencies.users {
        case .fromSecurityContext: "\(identity)"
        case .invokingUser(let uid, _): "uid \(uid) (the invoking user; the pod asks for \(identity))"
        }
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

    /// Secret and ConfigMap volumes are written afresh at every start of the worker, and again
    /// while the pod runs (`refreshVolumes`): the kubelet updates a running pod's Secret and
    /// ConfigMap volumes (within a minute), and a cluster's peers file lives in one. emptyDirs
    /// and claims are kept; they are owned as the kubelet leaves them when first set up.
    private func writeVolumes(_ plan: PodPlan, refreshing: Bool = false) throws {
        let fileManager = FileManager.default
        for volume in plan.volumes {
            if refreshing, case .claim = volume { continue }
            if refreshing, case .emptyDirectory = volume { continue }
            let directory: String
            switch volume {
            case .claim(_, let claim): directory = dependencies.layout.claimDirectory(namespace: namespace, claim: claim)
            default: directory = dependencies.layout.volumeDirectory(namespace: namespace, pod: name, volume: volume.name)
            }
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !refreshing { try own(volume, directory: directory, fsGroup: plan.fsGroup) }
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
                if refreshing, fileManager.contents(atPath: path) == content { continue }
                try fileManager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                // Replace, never edit in place: `.atomic` renames a new file over the old one, so a
                // reader (an agent reading its peers as mysqld starts) sees the old or the new.
                try content.write(to: URL(fileURLWithPath: path), options: .atomic)
                if dependencies.users.switches {
                    // As the kubelet writes them: root's, in the fsGroup, with defaultMode, to
                    // which the kubelet adds group read when there is an fsGroup.
                    try Self.setOwner(path, group: plan.fsGroup ?? 0, mode: plan.fsGroup == nil ? mode : mode | 0o440)
                } else {
                    // The invoking user's files: the owner keeps write access to replace them.
                    try fileManager.setAttributes([.posixPermissions: mode | 0o600], ofItemAtPath: path)
                }
            }
        }
    }

    /// A volume's root as the kubelet leaves it: an emptyDir is world-writable (0777), a claim
    /// is root's (0755, a fresh filesystem's root); with `fsGroup` both are root:fsGroup, group
    /// writable and setgid (2777 and 2775), so files made in them belong to the group; Secret and
    /// ConfigMap directories are readable (root:fsGroup 2755). Only as root (who else could
    /// chown); the invoking user's own directories are left as they are.
    private func own(_ volume: VolumePlan, directory: String, fsGroup: Int?) throws {
        guard dependencies.users.switches else { return }
        let setgid = fsGroup == nil ? 0 : 0o2000
        let mode: Int = switch volume {
        case .emptyDirectory: 0o777 | setgid
        case .claim: (fsGroup == nil ? 0o755 : 0o775) | setgid
        case .secret, .configMap: 0o755 | setgid
        }
        try Self.setOwner(directory, group: fsGroup ?? 0, mode: mode)
    }

    private static func setOwner(_ path: String, group: Int, mode: Int) throws {
        guard chown(path, 0, gid_t(group)) == 0, chmod(path, mode_t(mode)) == 0 else {
            throw PodPlanError.missing(field: "spec.volumes", reason: "cannot set the owner of \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func pidFile(_ container: String) -> String {
        dependencies.layout.containerPIDFile(namespace: namespace, pod: name, container: container)
    }

    private func logFile(_ container: String) -> String {
        dependencies.layout.containerLog(namespace: namespace, pod: name, container: container)
    }

    /// Starts a container's first process as the leader of its own session (its cgroup), as its
    /// user when the runtime switches users, with its image's user database.
    private func spawn(_ container: ContainerPlan) throws -> ManagedProcess {
        try ManagedProcess.spawn(container.executable, arguments: container.arguments, environment: environment(of: container),
                                 logPath: logFile(container.name), pidFile: pidFile(container.name), session: true,
                                 identity: dependencies.users.switches ? container.identity : nil)
    }

    /// What a container's processes see: its env, as root its image's user database, and the
    /// image's client configuration with the pod's socket path (`ContainerPlan.clientSocket`).
    private func environment(of container: ContainerPlan) -> [String: String] {
        var environment = container.environment
        if let socket = container.clientSocket {
            let home = dependencies.layout.podDirectory(namespace: namespace, pod: name) + "/\(container.name).mysql-home"
            try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            try? "# The MariaDB image's client configuration, with this pod's path for its socket.\n[client-server]\nsocket=\(socket)\n"
                .write(toFile: home + "/my.cnf", atomically: true, encoding: .utf8)
            environment["MYSQL_HOME"] = home
        }
        if dependencies.users.switches {
            let files = dependencies.layout.imageUsersFiles(container.image)
            let added = dependencies.users.environment(for: container.identity, passwd: files.passwd, group: files.group)
            for (key, value) in added where key != "HOME" || !container.declaresHome { environment[key] = value }
        }
        return environment
    }

    /// `kubectl exec`: the command in the running container, with its environment and user. Its
    /// session is recorded with the pod (a pid file `down` finds too) and ends with the
    /// container, as a command exec'd into a container lives in the container's cgroup.
    func exec(_ request: ExecRequest) throws -> ExecProcess? {
        guard let container = plan?.containers.first(where: { $0.name == request.container }),
              containers[request.container]?.running == true else { return nil }
        let started = try ContainerExec.start(request, environment: environment(of: container),
                                              identity: dependencies.users.switches ? container.identity : nil)
        let session = started.session
        let file = dependencies.layout.podDirectory(namespace: namespace, pod: name) + "/\(request.container).exec-\(session.leader).pid"
        try? ManagedProcess.record(session, to: file)
        execSessions[request.container, default: [:]][session.leader] = (session, file)
        var process = started.process
        let wait = process.wait
        process.wait = {
            let code = await wait()
            await self.execEnded(container: request.container, session: session)
            return code
        }
        return process
    }

    private func execEnded(container: String, session: ProcessSession) {
        guard let entry = execSessions[container]?.removeValue(forKey: session.leader) else { return }
        try? FileManager.default.removeItem(atPath: entry.file)
    }

    /// Ends every exec into `container` (the container has ended).
    private func endExecs(of container: String) async {
        for (session, file) in (execSessions.removeValue(forKey: container) ?? [:]).values {
            await session.killAllOffThePool()
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// Runs an init container until it exits 0, retrying with back-off; false when stopped.
    private func runToCompletion(_ container: ContainerPlan) async -> Bool {
        var backoff = Backoff(initial: .seconds(1), cap: .seconds(30), jitter: 0)
        while !stopping {
            do {
                let process = try spawn(container)
                processes[container.name] = process
                let exit = await process.wait()
                processes[container.name] = nil
                await process.endSession()
                if exit?.isClean == true { return true }
                await wait(reason: "Init:Error", message: "init container \(container.name) \(exit?.description ?? "exited"); see \(logFile(container.name))")
            } catch {
                await wait(reason: "Init:Error", message: "cannot start init container \(container.name): \(error)")
            }
            try? await Task.sleep(for: backoff.next())
        }
        return false
    }

    /// Keeps one container running: the kubelet's `restartPolicy: Always` with its back-off
    /// (10 s doubling to 5 min, reset after 10 minutes of running).
    private func supervise(_ container: ContainerPlan, adopted: ManagedProcess?) async {
        var next = adopted
        var backoff = Backoff(initial: .seconds(10), cap: .seconds(300), jitter: 0)
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
                    try? await Task.sleep(for: backoff.next())
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
            // The container is over: nothing it started outlives it (a cgroup's end).
            if !stopping { await endLeftovers(process.session, of: container.name, because: "its first process exited") }
            guard !stopping else { break }
            update(container.name) {
                $0.running = false
                $0.ready = false
                $0.pid = nil
                $0.restarts += 1
                $0.lastExit = exit?.description ?? "exited (adopted, status unknown)"
                $0.waiting = "CrashLoopBackOff"
            }
            if ran > 600 { backoff.reset() }
            let pause = backoff.next()
            dependencies.logger.warning("container exited; restarting after back-off", metadata: [
                "pod": "\(namespace)/\(name)", "container": "\(container.name)", "exit": "\(exit?.description ?? "unknown")",
                "backoff": "\(pause)"])
            await publish()
            try? await Task.sleep(for: pause)
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
        for container in Array(execSessions.keys) { await endExecs(of: container) }
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
