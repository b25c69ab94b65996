import AgentAPI
import Backup
import Foundation
import Processes
import Galera
import NIOCore

/// Hot backups and the node's side of a restore (docs/agent.md, "Backups and restore").
///
/// A backup streams `mariabackup --backup --galera-info --stream=xbstream` through an in-process
/// zstd compressor into a `ChunkPipe` that the controller reads: nothing is staged on the node's
/// disk, and the stream is read, checked (its framing) and compressed in one pass.
///
/// A restore has three calls: `stage` unpacks and prepares a backup in a scratch directory while
/// mysqld keeps serving (restore step 0: a bad backup is refused before anything is touched);
/// `apply` copies the staged backup back into the emptied datadir of the stopped node; `empty`
/// empties a stopped node's datadir, so it joins the restored cluster by a full state transfer.
extension Supervisor {
    /// Where a backup is unpacked and prepared: beside mysqld's run files, never in the datadir.
    var restoreScratch: String { configuration.runDirectory + "/restore" }
    var stagedMarker: String { restoreScratch + "/.qmysql-staged.json" }
    var backupLog: String { configuration.runDirectory + "/backup.log" }
    var restoreLog: String { configuration.runDirectory + "/restore.log" }
    /// How long a consumer may take to collect a backup stream before the job gives up.
    static let streamCollectTimeout = Duration.seconds(60)
    static let chunkSize = 1 << 20

    /// Reads the server's version once (`mariadbd --version`: `mariadbd  Ver 10.11.19-MariaDB...`).
    func learnServerVersion() async {
        let path = configuration.runDirectory + "/server-version.txt"
        try? FileManager.default.removeItem(atPath: path)
        guard let exit = try? await runToCompletion(configuration.serverExecutable, ["--version"], output: path, timeout: .seconds(30), what: "version"),
              exit.isClean, let data = FileManager.default.contents(atPath: path) else { return }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        if let index = words.firstIndex(of: "Ver"), index + 1 < words.count { serverVersion = String(words[index + 1]) }
        try? FileManager.default.removeItem(atPath: path)
    }

    // MARK: Backup

    func backup(into output: ChunkPipe) async throws(APIErrorBody) -> BackupOutcome {
        try await exclusively(.backingUp) { () throws(APIErrorBody) -> BackupOutcome in
            guard mysqld != nil, let wsrep, wsrep.ready else {
                throw .conflict("notSynced", "a hot backup needs a running, Synced node; \(configuration.nodeName) is \(status().stateReason)")
            }
            guard await output.waitForConsumer(timeout: Self.streamCollectTimeout) else {
                throw .conflict("notCollected", "nobody collected the backup stream (GET /v1/jobs/<id>/stream) within \(Self.streamCollectTimeout)")
            }
            return try await streamBackup(into: output)
        }
    }

    private func streamBackup(into output: ChunkPipe) async throws(APIErrorBody) -> BackupOutcome {
        let started = Date()
        let flavor = configuration.cluster.flavor
        let temporary = configuration.runDirectory + "/backup"
        try? FileManager.default.removeItem(atPath: temporary)
        try? FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: backupLog)
        defer { try? FileManager.default.removeItem(atPath: temporary) }

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .failed("backupFailed", "cannot create a pipe: \(String(cString: strerror(errno)))") }
        let arguments = [
            "--defaults-file=\(configuration.myCnfPath)", "--backup", "--galera-info", "--stream=xbstream",
            "--target-dir=\(temporary)",
            // A volume's lost+found is no database, and root's: a pod's tool could not read it.
            "--databases-exclude=lost+found",
        ]
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(flavor.backupTool, arguments: arguments, outputPath: backupLog, standardOutput: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw .failed("spawnFailed", "\(flavor.backupTool): \(error)")
        }
        close(fds[1])
        // A pipe holds 64 KiB by default: with 1 MiB the tool runs ahead while a chunk is
        // compressed and sent, instead of waiting for every read.
        _ = fcntl(fds[0], 1031 /* F_SETPIPE_SZ, not in Glibc's Swift module */, Int32(Self.chunkSize))
        logger.notice("backup started", metadata: ["tool": "\(flavor.backupTool)", "pid": "\(child.pid)"])
        let source = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        let encoder: BackupEncoder
        do {
            encoder = try BackupEncoder()
        } catch {
            child.signalGroup(SIGKILL)
            throw .failed("backupFailed", "\(error)")
        }
        do {
            while true {
                let chunk = try await threadPool.runIfActive { () throws -> Data? in
                    let raw = try source.read(upToCount: Self.chunkSize) ?? Data()
                    return raw.isEmpty ? nil : try encoder.encode(raw)
                }
                guard let chunk else { break }
                try await output.send(chunk)
            }
            try await output.send(try await threadPool.runIfActive { try encoder.finish() })
        } catch {
            child.signalGroup(SIGKILL)
            _ = await child.wait()
            logger.warning("backup aborted", metadata: ["error": "\(error)"])
            if error is ChunkPipe.Closed { throw .conflict("streamClosed", "the backup's reader went away: \(error)") }
            throw .failed("backupFailed", "\(error)\(logTail(backupLog))")
        }
        let exit = await child.wait()
        guard exit.isClean else {
            throw .failed("backupFailed", "\(flavor.backupTool) \(exit)\(logTail(backupLog))")
        }
        guard let info = encoder.scanner.galeraInfo, let position = BackupEncoder.position(inGaleraInfo: info) else {
            throw .failed("backupFailed", "the stream holds no usable xtrabackup_galera_info ('\(encoder.scanner.galeraInfo ?? "absent")'); is this node a Galera member?")
        }
        var outcome = BackupOutcome(
            node: configuration.nodeName, flavor: flavor, position: position,
            serverVersion: encoder.scanner.serverVersion ?? "unknown", bytes: encoder.bytesOut, rawBytes: encoder.scanner.bytes,
            startedAt: started, finishedAt: Date())
        outcome.gtidPosition = encoder.scanner.binlogGTIDs
        await output.finish()
        logger.notice("backup finished", metadata: [
            "position": "\(position)", "bytes": "\(outcome.bytes)", "rawBytes": "\(outcome.rawBytes)",
            "seconds": "\(String(format: "%.1f", outcome.finishedAt.timeIntervalSince(started)))",
        ])
        return outcome
    }

    // MARK: Restore

    /// Unpacks and prepares the zstd-compressed xbstream `body` in the scratch directory; any problem
    /// removes it and says what was wrong. mysqld keeps running.
    func stageRestore(_ body: some AsyncSequence<ByteBuffer, any Error> & Sendable) async throws(APIErrorBody) -> RestoreStage {
        try await exclusively(.stagingRestore) { () throws(APIErrorBody) -> RestoreStage in
            do throws(APIErrorBody) {
                return try await unpackAndPrepare(body)
            } catch {
                await removeTree(restoreScratch)
                logger.warning("restore staging failed", metadata: ["error": "\(error.reason)"])
                throw error
            }
        }
    }

    private func unpackAndPrepare(_ body: some AsyncSequence<ByteBuffer, any Error> & Sendable) async throws(APIErrorBody) -> RestoreStage {
        let flavor = configuration.cluster.flavor
        await removeTree(restoreScratch)
        try? FileManager.default.removeItem(atPath: restoreLog)
        do {
            try FileManager.default.createDirectory(atPath: restoreScratch, withIntermediateDirectories: true)
        } catch {
            throw .failed("stageFailed", "cannot create \(restoreScratch): \(error.localizedDescription)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .failed("stageFailed", "cannot create a pipe: \(String(cString: strerror(errno)))") }
        let unpacker: ChildProcess
        do {
            unpacker = try ChildProcess.spawn(configuration.cluster.flavor.streamTool, arguments: ["-x", "-C", restoreScratch], outputPath: restoreLog, standardInput: fds[0])
        } catch {
            close(fds[0])
            close(fds[1])
            throw .failed("spawnFailed", "\(configuration.cluster.flavor.streamTool): \(error)")
        }
        close(fds[0])
        let sink = FileHandle(fileDescriptor: fds[1], closeOnDealloc: false)
        let decoder: BackupDecoder
        do {
            decoder = try BackupDecoder()
        } catch {
            close(fds[1])
            unpacker.signalGroup(SIGKILL)
            throw .failed("stageFailed", "\(error)")
        }
        var received: Int64 = 0
        do {
            for try await buffer in body {
                received += Int64(buffer.readableBytes)
                let data = Data(buffer.readableBytesView)
                try await threadPool.runIfActive { try sink.write(contentsOf: try decoder.decode(data)) }
            }
            try decoder.finish()
            close(fds[1])
        } catch {
            close(fds[1])
            unpacker.signalGroup(SIGKILL)
            _ = await unpacker.wait()
            if let problem = error as? BackupDecoder.Problem {
                throw APIErrorBody(status: 422, code: "badBackup", reason: "the backup cannot be unpacked after \(received) bytes: \(problem)")
            }
            throw .failed("stageFailed", "unpacking stopped after \(received) bytes: \(error)\(logTail(restoreLog))")
        }
        let unpacked = await unpacker.wait()
        guard unpacked.isClean else {
            throw APIErrorBody(status: 422, code: "badBackup", reason: "mbstream could not unpack the backup (\(unpacked))\(logTail(restoreLog))")
        }
        let prepared = try await runToCompletion(
            flavor.backupTool, ["--prepare", "--target-dir=\(restoreScratch)"], output: restoreLog,
            timeout: configuration.restoreHelperTimeout, what: "prepare")
        guard prepared.isClean else {
            throw APIErrorBody(status: 422, code: "badBackup", reason: "\(flavor.backupTool) --prepare failed (\(prepared))\(logTail(restoreLog))")
        }
        let infoPath = restoreScratch + "/xtrabackup_galera_info"
        guard let info = FileManager.default.contents(atPath: infoPath).map({ String(decoding: $0, as: UTF8.self) }),
              let position = BackupEncoder.position(inGaleraInfo: info) else {
            throw APIErrorBody(status: 422, code: "badBackup", reason: "the backup has no usable xtrabackup_galera_info: it was not taken with --galera-info from a Galera node")
        }
        let version = FileManager.default.contents(atPath: restoreScratch + "/xtrabackup_info")
            .flatMap { XbstreamScanner.serverVersion(inInfo: String(decoding: $0, as: UTF8.self)) }
        let stage = RestoreStage(
            node: configuration.nodeName, position: position, serverVersion: version, bytes: received,
            preparedBytes: await preparedSize(), stagedAt: Date())
        do {
            try AgentJSON.encoder().encode(stage).write(to: URL(fileURLWithPath: stagedMarker))
        } catch {
            throw .failed("stageFailed", "cannot write \(stagedMarker): \(error.localizedDescription)")
        }
        logger.notice("backup staged for restore", metadata: ["position": "\(position)", "bytes": "\(received)", "prepared": "\(stage.preparedBytes)"])
        return stage
    }

    /// Copies the staged backup into the stopped node's emptied datadir and marks it safe to
    /// bootstrap at the backup's position.
    func applyRestore() async throws(APIErrorBody) -> AgentStatus {
        try await exclusively(.restoring) { () throws(APIErrorBody) -> AgentStatus in
            guard mysqld == nil else { throw .conflict("running", "mysqld runs on \(configuration.nodeName); stop it before the datadir is replaced") }
            guard let data = FileManager.default.contents(atPath: stagedMarker),
                  let stage = try? AgentJSON.decoder().decode(RestoreStage.self, from: data) else {
                throw .conflict("notStaged", "no backup is staged on \(configuration.nodeName); POST /v1/restore/stage first")
            }
            try await emptyDatadir()
            do {
                // mariabackup reads the datadir and InnoDB's layout from my.cnf; a node that never
                // ran has none yet.
                try files.prepareDirectories()
                try files.writeMyCnf()
            } catch {
                throw .failed("copyBackFailed", "cannot write \(configuration.myCnfPath): \(error.localizedDescription)")
            }
            let flavor = configuration.cluster.flavor
            let copied = try await runToCompletion(
                flavor.backupTool,
                ["--defaults-file=\(configuration.myCnfPath)", "--copy-back", "--force-non-empty-directories", "--target-dir=\(restoreScratch)"],
                output: restoreLog, timeout: configuration.restoreHelperTimeout, what: "copyBack")
            guard copied.isClean else {
                throw .failed("copyBackFailed", "\(flavor.backupTool) --copy-back failed (\(copied))\(logTail(restoreLog)); the datadir is incomplete: stage and apply again")
            }
            if geteuid() == 0, configuration.osUser != "root" {
                _ = try await runToCompletion("chown", ["-R", "\(configuration.osUser):", configuration.dataDirectory],
                                              output: restoreLog, timeout: configuration.restoreHelperTimeout, what: "chown")
            }
            do {
                try files.writeGrastate(GaleraState(position: stage.position, safeToBootstrap: true))
            } catch {
                throw .failed("copyBackFailed", "cannot write grastate.dat: \(error.localizedDescription)")
            }
            await removeTree(restoreScratch)
            recovery = nil
            diskFullError = nil
            logger.notice("backup restored into the datadir", metadata: ["position": "\(stage.position)"])
            return status()
        }
    }

    /// Empties the stopped node's datadir (its logs stay): it joins by a full state transfer.
    func emptyForRejoin() async throws(APIErrorBody) -> AgentStatus {
        try await exclusively(.restoring) { () throws(APIErrorBody) -> AgentStatus in
            guard mysqld == nil else { throw .conflict("running", "mysqld runs on \(configuration.nodeName); stop it before its datadir is emptied") }
            try await emptyDatadir()
            recovery = nil
            diskFullError = nil
            logger.notice("datadir emptied: the node joins by a full state transfer")
            return status()
        }
    }

    /// Discards a staged backup (a restore that was abandoned).
    func discardStage() async {
        await removeTree(restoreScratch)
    }

    // A staged backup and a datadir hold gigabytes: deleting or measuring them takes seconds, on
    // the agent's thread pool, never on a cooperative thread (the supervisor keeps answering).

    func removeTree(_ path: String) async {
        _ = try? await threadPool.runIfActive { try? FileManager.default.removeItem(atPath: path) }
    }

    private func preparedSize() async -> Int64 {
        let path = restoreScratch
        return (try? await threadPool.runIfActive { Self.directorySize(path) }) ?? 0
    }

    /// Removes everything in the datadir but mysqld's logs (the error log explains the past).
    private func emptyDatadir() async throws(APIErrorBody) {
        let directory = configuration.dataDirectory
        let keep = Set([configuration.errorLog, configuration.recoverLog].map { ($0 as NSString).lastPathComponent })
        do {
            try await threadPool.runIfActive {
                // A node that never ran has no datadir yet: nothing to empty.
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !keep.contains(name) && !name.hasPrefix("mysqld-") {
                    try FileManager.default.removeItem(atPath: directory + "/" + name)
                }
            }
        } catch {
            throw .failed("emptyFailed", "cannot empty \(directory): \(error.localizedDescription)")
        }
    }

    /// What a backup tool's log says, appended to an error message (`NodeFiles.lastLines`).
    func logTail(_ path: String) -> String {
        let said = files.lastLines(of: path, lines: 5)
        return said.isEmpty ? "" : "; \(path) says: \(said)"
    }

    static func directorySize(_ path: String) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        for case let name as String in enumerator {
            if let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.size] as? NSNumber { total += size.int64Value }
        }
        return total
    }
}
