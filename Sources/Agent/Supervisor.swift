import AgentAPI
import Foundation
import Processes
import Galera
import Logging
import NIOPosix

/// Owns the node's one mysqld: starts it in a mode, stops it, recovers its position, and keeps
/// what it observed. Every mutating call runs alone (a second one gets 409 `busy`), and every
/// decision goes through the pure `StartDecision`.
actor Supervisor {
    struct Launch {
        let child: ChildProcess
        let startedAt: Date
        let mode: StartMode
        /// The datadir and its system tablespace as mysqld had them once Synced (device and inode
        /// of each): a datadir deleted, replaced or emptied under it no longer matches. Taken
        /// only once Synced, because a joiner's SST replaces the files before that.
        var data: [String: NodeFiles.Identity]? = nil
    }

    struct Recovery {
        let position: GaleraPosition
        let at: Date
        /// Since mysqld last ran.
        var current: Bool
    }

    /// The values whose change is worth an immediate report.
    struct ChangeKey: Equatable {
        var state: NodeState
        var pid: Int32?
        var operation: AgentOperation?
        var clusterStatus: WsrepStatus.ClusterStatus?
        var localState: Int?
        var clusterSize: Int?
        var ready: Bool?
        /// A membership just recorded, or a person's approval to re-seed: the controller decides on both.
        var member: String?
        var reseedApproved: Bool?
    }

    let configuration: AgentConfiguration
    let files: NodeFiles
    let logger: Logger
    let output = StandardOutput()
    let threadPool: NIOThreadPool
    let wsrepReader: WsrepReader
    /// Fed by the error log's follower (`AgentService`).
    let stateTransfers: StateTransferWatch
    let reportSink: any ReportSink
    let agentStartedAt = Date()

    var mysqld: Launch?
    var lastMode: StartMode?
    var lastExit: AgentStatus.Exit?
    var recovery: Recovery?
    var operation: AgentOperation?
    var wsrep: WsrepStatus?
    var wsrepObservedAt: Date?
    var wsrepError: String?
    var launches = 0
    var lastReported: ChangeKey?
    var lastLoggedReason: String?
    /// Set once the TCP accounts were applied by this agent process (`AccountSetup`).
    var accountsApplied = false
    /// The newest disk-full line of the current or last mysqld run.
    var diskFullError: AgentStatus.DiskFullError?
    var lastAccountsProblem: String?
    /// `mariadbd --version`'s version, read once at start (`learnServerVersion`).
    var serverVersion: String?
    /// Why the agent itself ended the running mysqld, for its exit's description.
    var exitNote: String?
    /// The UUID last written to (or found in) the membership marker in this agent's life.
    var memberRecorded: String?
    /// The certificate files changed while mysqld ran and it has not loaded them yet.
    var certificateReloadPending = false
    var lastCertificateReloadProblem: String?
    /// What the controller last asked the node to keep of its binary log (nil: not told yet;
    /// the datadir's record stands in until it is).
    var binlogKeep: BinlogKeep?
    /// The controller's last word: this node is the writer (a planned stop drains first).
    var isWriter = false
    /// The file the archive last kept past its retention, so the warning is written once a file.
    var binlogHeldBack: String?

    init(configuration: AgentConfiguration, logger: Logger, threadPool: NIOThreadPool, reportSink: any ReportSink) {
        self.configuration = configuration
        self.files = NodeFiles(configuration: configuration)
        self.stateTransfers = StateTransferWatch(node: configuration.nodeName)
        self.logger = logger
        self.threadPool = threadPool
        self.wsrepReader = WsrepReader(configuration: configuration, threadPool: threadPool)
        self.reportSink = reportSink
    }

    // MARK: Observation

    func status() -> AgentStatus {
        let grastate = files.grastate()
        let now = Date()
        let transfers = stateTransfers.snapshot
        let receiving = transferInProgress(transfers)
        let assessment = NodeState.assess(NodeObservation(
            processRunning: mysqld != nil, lastExit: lastExit?.exit, grastate: grastate, wsrep: wsrep,
            recoveredPosition: recovery.flatMap { $0.current ? $0.position : nil }, stateTransfer: receiving))
        var grastateReport: AgentStatus.Grastate?
        var grastateError: String?
        switch grastate {
        case .absent: break
        case .present(let state):
            grastateReport = .init(uuid: state.position.uuid, seqno: state.position.seqno, safeToBootstrap: state.safeToBootstrap, position: state.position)
        case .unreadable(let problem): grastateError = problem
        }
        var report = AgentStatus(
            node: configuration.nodeName, cluster: configuration.cluster.name, flavor: configuration.cluster.flavor,
            state: assessment.state, stateReason: assessment.reason, observedAt: now, agentStartedAt: agentStartedAt,
            process: .init(running: mysqld != nil, pid: mysqld?.child.pid, startedAt: mysqld?.startedAt, mode: mysqld?.mode ?? lastMode, launches: launches),
            operation: operation, lastExit: lastExit, grastate: grastateReport, grastateError: grastateError,
            gvwstatePresent: files.gvwstatePresent, datadirInitialized: files.datadirInitialized,
            recovered: recovery.map { .init(position: $0.position, at: $0.at, current: $0.current) },
            wsrep: wsrep, wsrepObservedAt: wsrepObservedAt, wsrepError: mysqld == nil ? nil : wsrepError,
            lastStateTransfer: transfers.completed.map { .init(method: $0.method.rawValue, at: $0.at, line: $0.line) },
            stateTransferInProgress: receiving.map {
                .init(method: $0.method?.rawValue, since: $0.since, donor: $0.donor, bytes: $0.bytes, bytesPerSecond: $0.rate)
            },
            stateTransferIncomplete: mysqld == nil && files.stateTransferMarkerPresent ? true : nil,
            disk: files.disk(), diskFullError: diskFullError)
        report.serverVersion = serverVersion
        report.member = files.memberOf()
        report.reseedApproved = files.reseedApproved ? true : nil
        report.clientTLS = mysqld != nil && files.offersClientTLS ? true : nil
        return report
    }

    var startObservation: StartObservation {
        StartObservation(
            processRunning: mysqld != nil, lastExit: lastExit?.exit, grastate: files.grastate(),
            datadirInitialized: files.datadirInitialized,
            recoveredPosition: recovery.flatMap { $0.current ? $0.position : nil }, wsrep: wsrep,
            stateTransferIncomplete: files.stateTransferMarkerPresent)
    }

    /// Reads wsrep status once (the poll loop calls this every poll interval).
    func refreshWsrep() async {
        guard let launch = mysqld else { return }
        if datadirLost(launch) { return }
        do {
            let status = try await wsrepReader.read()
            guard mysqld?.child === launch.child else { return }
            wsrep = status
            wsrepObservedAt = Date()
            wsrepError = nil
            recordMembership(status)
            if status.isSyncedPrimary, mysqld?.data == nil { mysqld?.data = files.dataIdentities() }
            if status.ready, !accountsApplied { await applyAccounts() }
            // Not only once ready: a joiner that cannot get in with an expired certificate
            // answers SQL meanwhile, and Galera takes the renewed one from it.
            if certificateReloadPending { await reloadCertificates() }
        } catch {
            guard mysqld?.child === launch.child else { return }
            wsrep = nil
            wsrepError = "\(error)"
        }
        reportIfChanged()
    }

    /// Once Synced in a Primary component, the datadir holds the cluster's data: the marker says
    /// so (and under which UUID) for as long as the datadir lives, whoever asks later.
    func recordMembership(_ status: WsrepStatus) {
        let uuid = status.clusterStateUUID.lowercased()
        guard status.isSyncedPrimary, !uuid.isEmpty, uuid != GaleraPosition.zeroUUID, memberRecorded != uuid else { return }
        if files.memberOf() != uuid {
            do {
                try files.recordMember(of: uuid)
                logger.notice("the datadir is a member of the cluster now", metadata: ["uuid": "\(uuid)"])
            } catch {
                // Tried again at the next poll; the controller's own record covers the meantime.
                logger.warning("cannot write the membership marker: \(error)", metadata: ["file": "\(files.memberMarkerPath)"])
                return
            }
        }
        memberRecorded = uuid
        // A re-seed a person approved is done: the approval must not outlive it.
        if files.reseedApproved { try? FileManager.default.removeItem(atPath: files.reseedApprovalPath) }
    }

    func forgetMembership() {
        memberRecorded = nil
        guard FileManager.default.fileExists(atPath: files.memberMarkerPath) else { return }
        do {
            try FileManager.default.removeItem(atPath: files.memberMarkerPath)
        } catch {
            logger.warning("cannot remove the membership marker before the SST: \(error)", metadata: ["file": "\(files.memberMarkerPath)"])
        }
    }

    /// The datadir mysqld runs on was deleted, replaced or emptied (on Kubernetes it is a volume's
    /// root, so `rm -rf` leaves the directory and takes the files): mysqld goes on with open files
    /// that no longer have names, and its data is gone. It is ended at once,
    /// without a shutdown (which would only write into the deleted files); the exit says why,
    /// and the controller re-seeds the node by SST from the cluster, as after any lost volume.
    func datadirLost(_ launch: Launch) -> Bool {
        guard let recorded = launch.data, let gone = recorded.keys.sorted().first(where: { NodeFiles.identity(of: $0) != recorded[$0] }) else { return false }
        let why = "its datadir \(configuration.dataDirectory) was deleted while mysqld ran (\(gone) is gone or another file): the data is gone, mysqld is stopped and the node must be re-seeded"
        logger.error("\(why)", metadata: ["pid": "\(launch.child.pid)"])
        exitNote = "after its datadir \(configuration.dataDirectory) was deleted under it"
        launch.child.signalGroup(SIGKILL)
        // Once: the polls until its exit arrives neither kill, scan /proc nor log again.
        if mysqld?.child === launch.child { mysqld?.data = nil }
        return true
    }

    /// Sets up the TCP accounts on a Synced node; a failure is logged once and retried at the
    /// next poll (the node stays ready: the accounts are for clients, not for Galera).
    func applyAccounts() async {
        guard let accounts = configuration.accounts else {
            accountsApplied = true
            return
        }
        do {
            for statement in try accounts.statements() { try await wsrepReader.execute(statement) }
            accountsApplied = true
            lastAccountsProblem = nil
            logger.info("TCP accounts are set up", metadata: ["controllerUser": "\(accounts.controllerUser)"])
        } catch {
            // Never the statement: it carries a password.
            let problem = "\(error)".replacingOccurrences(of: "IDENTIFIED BY '[^']*'", with: "IDENTIFIED BY '***'", options: .regularExpression)
            if problem != lastAccountsProblem { logger.warning("cannot set up the TCP accounts; retrying", metadata: ["error": "\(problem)"]) }
            lastAccountsProblem = problem
        }
    }

    /// The cluster's certificate files changed (`CertificateFiles`): a running mysqld loads them
    /// now, or once it answers (`refreshWsrep`); one started later reads them anyway.
    func certificatesChanged() async {
        guard mysqld != nil else { return }
        certificateReloadPending = true
        if wsrep != nil { await reloadCertificates() }
    }

    /// mysqld's client TLS and Galera's replication TLS take the files again, no restart:
    /// `ClusterSettings.certificateReloadStatements`. Tried again at every poll until it works.
    func reloadCertificates() async {
        do {
            for statement in configuration.cluster.certificateReloadStatements { try await wsrepReader.execute(statement) }
            certificateReloadPending = false
            lastCertificateReloadProblem = nil
            logger.notice("mysqld and Galera loaded the renewed certificate files",
                          metadata: ["statements": "\(configuration.cluster.certificateReloadStatements.joined(separator: "; "))"])
        } catch {
            let problem = "\(error)"
            if problem != lastCertificateReloadProblem {
                logger.warning("mysqld cannot load the renewed certificate files yet; retrying at every poll", metadata: ["error": "\(problem)"])
            }
            lastCertificateReloadProblem = problem
        }
    }

    /// mysqld said its disk is full. The controller does not start it into the same wall again
    /// until there is room (docs/controller.md, row 20).
    func noteDiskFull(line: String) {
        let first = diskFullError == nil
        diskFullError = .init(line: String(line.prefix(500)), at: Date())
        if first { logger.warning("mysqld says the disk is full", metadata: ["line": "\(line.prefix(300))", "disk": "\(files.disk().map { "\($0.freeBytes) of \($0.totalBytes) bytes free" } ?? "unknown")"]) }
        reportIfChanged(force: first)
    }

    /// Below this much free space a mysqld that ended on its own is taken to have hit a full disk.
    static let fullDiskBytes: Int64 = 4 << 20

    /// mysqld's error log is on its datadir, so a full datadir also silences mysqld: a joiner whose
    /// copy filled the disk fails without a line. The agent looks itself when mysqld ends on its
    /// own (not at its stop) with almost no room left, and says it is DiskFull, so the controller
    /// waits for room (row 20) instead of starting it into the same wall.
    private func noteFullDiskAtExit() {
        guard diskFullError == nil, operation != .stopping, let disk = files.disk(), disk.freeBytes < Self.fullDiskBytes else { return }
        noteDiskFull(line: "mysqld ended with \(ByteCount.exact(disk.freeBytes)) free of \(ByteCount.exact(disk.totalBytes)) on \(disk.path): the disk is full (mysqld's error log is on it, so mysqld itself may have said nothing)")
    }

    /// The error log told of a state transfer to this node (`stateTransfers` has it already).
    func noteStateTransfer(_ event: StateTransferLog.Event) {
        switch event {
        case .receiving(let method):
            logger.info("receiving a state transfer", metadata: ["method": "\(method.rawValue)"])
            // A full SST replaces the datadir: it is a member again only once Synced.
            if method == .sst { forgetMembership() }
        case .completed(let method): logger.info("state transfer completed", metadata: ["method": "\(method.rawValue)"])
        case .donorSelected(_, let donor): logger.info("a donor was chosen for this node", metadata: ["donor": "\(donor)"])
        case .requested, .applyingIST, .joined, .progress: break
        }
        reportIfChanged(force: true)
    }

    /// The transfer the running mysqld is receiving. One that began before this mysqld started
    /// belongs to a run that died mid-transfer and never logged its end; a node read as Synced
    /// since the transfer began has received it, whatever line the log may still owe.
    func transferInProgress(_ transfers: StateTransferProgress) -> StateTransferProgress.Current? {
        guard let launch = mysqld, let current = transfers.current, current.since >= launch.startedAt else { return nil }
        if wsrep?.localState == WsrepStatus.syncedLocalState, let observed = wsrepObservedAt, observed > current.since { return nil }
        return current
    }

    /// Pushes a report when something that matters changed (or always, with `force`).
    func reportIfChanged(force: Bool = false) {
        let current = status()
        let key = ChangeKey(
            state: current.state, pid: current.process.pid, operation: current.operation,
            clusterStatus: current.wsrep?.clusterStatus, localState: current.wsrep?.localState,
            clusterSize: current.wsrep?.clusterSize, ready: current.wsrep?.ready,
            member: current.member, reseedApproved: current.reseedApproved)
        guard force || key != lastReported else { return }
        if current.stateReason != lastLoggedReason {
            logger.info("node state", metadata: ["state": "\(current.state.rawValue)", "reason": "\(current.stateReason)"])
            lastLoggedReason = current.stateReason
        }
        lastReported = key
        reportSink.submit(current)
    }

    func heartbeat() {
        reportSink.submit(status())
    }

    // MARK: Process exits

    func processExited(_ child: ChildProcess, _ exit: ProcessExit) async {
        guard let launch = mysqld, launch.child === child else { return }
        mysqld = nil
        lastExit = .init(exit: exit, clean: exit.isClean, description: exit.description + (exitNote.map { " \($0)" } ?? ""), at: Date())
        noteFullDiskAtExit()
        exitNote = nil
        wsrep = nil
        wsrepObservedAt = nil
        wsrepError = nil
        // Leftover SST helpers (socat, the backup tool) would hold the node's ports.
        child.signalGroup(SIGKILL)
        logger.notice("mysqld \(exit)", metadata: ["pid": "\(child.pid)"])
        await wsrepReader.reset()
        reportIfChanged()
    }

    func watch(_ child: ChildProcess) {
        Task {
            let exit = await child.wait()
            await self.processExited(child, exit)
        }
    }

    /// Runs `body` as the one operation in progress.
    func exclusively<T>(_ kind: AgentOperation, _ body: () async throws(APIErrorBody) -> T) async throws(APIErrorBody) -> T {
        if let operation { throw .busy(operation) }
        operation = kind
        reportIfChanged()
        defer {
            operation = nil
            reportIfChanged()
        }
        return try await body()
    }
}
