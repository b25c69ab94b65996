import AgentAPI
import Foundation
import Processes
import Galera
import MySQLClient

extension Supervisor {
    /// Starts (or promotes, or only recovers) the node, as the request asks and the observations
    /// allow. After an unclean exit this always recovers the position first, whoever calls it:
    /// that check lives here, in the only path that launches mysqld.
    func start(_ request: StartRequest) async throws(APIErrorBody) -> AgentStatus {
        try await exclusively(.starting) { () throws(APIErrorBody) in
            try await performStart(request)
        }
        return status()
    }

    private func performStart(_ request: StartRequest) async throws(APIErrorBody) {
        let intent = StartIntent(mode: request.mode, position: request.position, force: request.force ?? false)
        // The survivor check needs a fresh view, not the last poll's.
        if request.mode == .bootstrapSurvivor { await refreshWsrep() }
        var recovered = false
        while true {
            let step: StartStep
            do throws(StartRefusal) {
                step = try StartDecision.decide(intent, given: startObservation)
            } catch {
                logger.warning("start refused", metadata: ["mode": "\(request.mode.rawValue)", "reason": "\(error.reason)"])
                throw .refused(error)
            }
            switch step {
            case .recoverPosition:
                guard !recovered else {
                    throw .failed("recoveryInconclusive", "recovery finished but the node still needs a position; see \(configuration.recoverLog)")
                }
                logger.notice("last run ended uncleanly: recovering the position before starting", metadata: ["mode": "\(request.mode.rawValue)"])
                try await recoverPosition()
                recovered = true
            case .recoverOnly:
                try await recoverPosition()
                return
            case .launch(let plan):
                try await launch(plan)
                return
            case .bootstrapSurvivor:
                try await promoteSurvivor()
                return
            }
        }
    }

    /// `POST /v1/recover`.
    func recover() async throws(APIErrorBody) -> AgentStatus {
        try await start(StartRequest(mode: .recoverOnly))
    }

    private func prepareFiles() throws(APIErrorBody) {
        do {
            try files.prepareDirectories()
            try files.writeMyCnf()
        } catch {
            throw .failed("filesystem", "cannot prepare \(configuration.dataDirectory) and \(configuration.runDirectory): \(error)")
        }
        if let stray = files.strayServerPID() {
            throw .conflict("strayServer", "mysqld pid \(stray), started by an earlier agent on this datadir, still runs; stop it (kill \(stray)) before starting this node")
        }
    }

    /// `mysqld --wsrep-recover` with its own log, then the position from that log.
    func recoverPosition() async throws(APIErrorBody) {
        let previous = operation
        operation = .recovering
        reportIfChanged()
        try prepareFiles()
        let log = configuration.recoverLog
        try? files.truncate(log)
        let arguments = ["--defaults-file=\(configuration.myCnfPath)", "--wsrep-recover", "--log-error=\(log)"]
        let exit = try await runToCompletion(configuration.serverExecutable, arguments, output: log, timeout: configuration.helperTimeout, what: "wsrep-recover")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") { output.write("[wsrep-recover \(configuration.nodeName)] \(line)\n") }
        let position: GaleraPosition
        do throws(GaleraParseError) {
            position = try RecoveryLog.recoveredPosition(in: text, source: log)
        } catch {
            throw .failed("recoveryFailed", "mysqld --wsrep-recover \(exit): \(error.description); its last lines: \(NodeFiles.lastLines(text, 4))")
        }
        guard exit.isClean else {
            throw .failed("recoveryFailed", "mysqld --wsrep-recover \(exit) although it logged position \(position): \(files.lastLines(of: log, lines: 3)) (the whole log: \(log) in the pod)")
        }
        recovery = Recovery(position: position, at: Date(), current: true)
        logger.notice("recovered position", metadata: ["position": "\(position)"])
        operation = previous
        reportIfChanged(force: true)
    }

    private func launch(_ plan: LaunchPlan) async throws(APIErrorBody) {
        try prepareFiles()
        if plan.initializeDatadir {
            operation = .initializing
            let command = configuration.cluster.flavor.initializeCommand(defaultsFile: configuration.myCnfPath, user: configuration.osUser)
            let exit = try await runToCompletion(command[0], Array(command.dropFirst()), output: configuration.initializeLog, timeout: configuration.helperTimeout, what: "initialize")
            guard exit.isClean else {
                let said = files.lastLines(of: configuration.initializeLog)
                throw .failed("initializeFailed", "\(command[0]) \(exit)\(said.isEmpty ? "" : ": \(said)") (the whole output: \(configuration.initializeLog) in the pod)")
            }
            operation = .starting
        }
        if let rewrite = plan.grastateRewrite {
            do {
                try files.writeGrastate(rewrite)
            } catch {
                throw .failed("filesystem", "cannot write \(configuration.grastatePath): \(error)")
            }
            logger.notice("forced bootstrap: marked grastate.dat safe_to_bootstrap: 1", metadata: ["position": "\(rewrite.position)"])
        }
        let arguments = ["--defaults-file=\(configuration.myCnfPath)"] + plan.serverArguments
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration.serverExecutable, arguments: arguments, outputPath: configuration.errorLog,
                                           environment: try serverEnvironment())
        } catch {
            throw .failed("spawnFailed", "\(error)")
        }
        launches += 1
        diskFullError = nil
        // A join may replace the datadir (SST removes the marker): look again once Synced.
        memberRecorded = nil
        mysqld = Launch(child: child, startedAt: Date(), mode: plan.mode)
        // A new mysqld reads the certificate files as they are now.
        certificateReloadPending = false
        lastMode = plan.mode
        recovery?.current = false
        wsrep = nil
        wsrepError = nil
        logger.notice("mysqld started", metadata: ["pid": "\(child.pid)", "mode": "\(plan.mode.rawValue)", "arguments": "\(plan.serverArguments.joined(separator: " "))"])
        watch(child)
    }

    private func promoteSurvivor() async throws(APIErrorBody) {
        operation = .promoting
        do {
            try await wsrepReader.execute("SET GLOBAL wsrep_provider_options=\(SQLLiteral.string("pc.bootstrap=YES"))")
        } catch {
            throw .failed("promoteFailed", "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES' failed: \(error)")
        }
        logger.notice("promoted this survivor to a Primary component (pc.bootstrap=YES)")
        // The new component forms in about 0.05 s; report it without waiting for the next poll.
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            await refreshWsrep()
            if wsrep?.clusterStatus == .primary { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs a helper (recovery, initialisation) to its end, killing it at the deadline.
    func runToCompletion(_ executable: String, _ arguments: [String], output path: String, timeout: Duration, what: String) async throws(APIErrorBody) -> ProcessExit {
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(executable, arguments: arguments, outputPath: path)
        } catch {
            throw .failed("spawnFailed", "\(what): \(error)")
        }
        if let exit = await child.wait(timeout: timeout) { return exit }
        child.signalGroup(SIGKILL)
        _ = await child.wait()
        let said = files.lastLines(of: path, lines: 3)
        throw .timeout("\(what)Timeout", "\(executable) did not finish within \(timeout) and was killed\(said.isEmpty ? "" : "; its last lines: \(said)") (the whole output: \(path) in the pod)")
    }
}

extension Supervisor {
    /// mysqld's environment: ours, with our state-transfer method first on its PATH when the
    /// cluster uses it (mysqld runs `wsrep_sst_qmysql` through `sh -c`, found on PATH).
    func serverEnvironment() throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        guard configuration.cluster.stateTransfer == .qmysql else { return environment }
        let directory = configuration.programDirectory
        let link = directory + "/" + StateTransferChoice.qmysqlProgram
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if (try? files.destinationOfSymbolicLink(atPath: link)) != configuration.transferProgram {
            try? files.removeItem(atPath: link)
            try files.createSymbolicLink(atPath: link, withDestinationPath: configuration.transferProgram)
        }
        environment["PATH"] = ([directory] + [environment["PATH"] ?? ""]).filter { !$0.isEmpty }.joined(separator: ":")
        return environment
    }
}
