import Backup
import Foundation
import Galera
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// The joiner's side: listens, says `ready`, takes the donor's stream, and leaves a datadir that
/// is the donor's prepared copy, or one marked incomplete (`sst_in_progress`, which the agent
/// and the controller treat as empty), never half of each.
///
/// Blocking reads and writes on purpose: the transfer is a process of its own with one stream.
struct Joiner {
    var arguments: TransferArguments
    let flavor: Flavor
    let log: TransferLog
    /// How long the donor may take to connect after `ready` (mariabackup's sst-initial-timeout),
    /// and how long the stream may stall before the transfer is given up.
    var connectTimeout = Duration.seconds(300)
    var idleTimeout = Duration.seconds(120)

    static let chunkSize = 1 << 20
    /// What stays in the datadir when a full copy replaces it: Galera's own state, the marker,
    /// the copy itself, the logs mysqld and the agent write there, and a volume's `lost+found`
    /// (the filesystem's, root's: a pod may not remove it). The packaged script keeps the same.
    static let kept: Set<String> = ["grastate.dat", "gvwstate.dat", "galera.cache", marker, scratchName, "lost+found"]
    static let marker = "sst_in_progress"
    static let scratchName = ".qmysql-sst"

    /// Runs the joiner; returns what mysqld reads last (`UUID:SEQNO DOMAIN`).
    func run() async throws(TransferFailure) -> String {
        let endpoint: (host: String, port: Int)
        do { endpoint = try TransferArguments.endpoint(arguments.address) } catch { throw .transfer(error.description) }
        let listener: TransferSocket
        do { listener = try TransferSocket.listen(host: endpoint.host, port: endpoint.port) } catch { throw .transfer(error.description) }
        let shown = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        TransferLog.tell("ready \(shown):\(endpoint.port)/qmysql")
        log.info("listening on \(shown):\(endpoint.port) for the donor")

        let parent = arguments.parent
        let connection: TransferSocket?
        do {
            connection = try listener.accept(until: .now + connectTimeout) { parent.map { kill($0, 0) == 0 } ?? true }
        } catch {
            throw .transfer(error.description)
        }
        guard let connection else {
            if let parent, kill(parent, 0) != 0 { throw .transfer("mysqld (pid \(parent)) is gone: the transfer is abandoned") }
            throw .transfer("no donor connected within \(connectTimeout.readable) of 'ready'")
        }
        if let tls = arguments.tls {
            do { try connection.secure(tls, as: .joiner, idle: idleTimeout) } catch { throw .transfer(error.description) }
        }
        let header: TransferHeader
        do {
            header = try TransferHeader(parsing: try connection.readLine(limit: TransferHeader.maximumLength, idle: idleTimeout))
        } catch let error as TransferHeader.Problem {
            throw .transfer(error.description)
        } catch {
            throw .transfer("reading the donor's first line: \(error)")
        }
        switch header.kind {
        case .ist:
            log.info("Running IST: the donor sends no copy; Galera sends the writesets from \(header.position)")
            log.info("IST completed on joiner")
            return header.joinerResult
        case .sst:
            log.info("Proceeding with SST: a full copy from the donor at \(header.position)")
            let started = ContinuousClock.now
            let bytes = try await receive(from: connection)
            let position = try install()
            let elapsed = ContinuousClock.now - started
            log.info("SST completed on joiner: \(ByteCount.short(bytes)) in \(elapsed.readable), at \(position)")
            return "\(position) \(header.domainID)"
        }
    }

    static let progressInterval = Duration.seconds(2)

    /// `received N bytes of the copy (...)`: the agent reads N (`StateTransferLog.progressMarker`).
    private func logProgress(_ bytes: Int64, since started: ContinuousClock.Instant) {
        let seconds = (ContinuousClock.now - started).inSeconds
        let rate = seconds > 0 ? " at \(ByteCount.short(Int64(Double(bytes) / seconds)))/s" : ""
        log.info("received \(bytes) bytes of the copy (\(ByteCount.short(bytes)) compressed\(rate))")
    }

    private var datadir: String { arguments.dataDirectory }
    private var scratch: String { datadir + "/" + Self.scratchName }

    /// Unpacks the stream into the scratch directory and prepares it. Returns the bytes received.
    private func receive(from connection: TransferSocket) async throws(TransferFailure) -> Int64 {
        let files = FileManager.default
        // The marker first: from now until the copy is in place the datadir is nobody's data.
        guard files.createFile(atPath: datadir + "/" + Self.marker, contents: Data()) else {
            throw .transfer("cannot write \(datadir)/\(Self.marker): is the datadir writable by mysqld's user?")
        }
        try? files.removeItem(atPath: scratch)
        do { try files.createDirectory(atPath: scratch, withIntermediateDirectories: false) } catch {
            throw .transfer("cannot create \(scratch): \(error.localizedDescription)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .transfer("cannot create a pipe: \(String(cString: strerror(errno)))") }
        let unpacker: ChildProcess
        do {
            unpacker = try ChildProcess.spawn(flavor.streamTool, arguments: ["-x", "-C", scratch], outputPath: nil,
                                              standardInput: fds[0], standardOutput: STDERR_FILENO, standardError: STDERR_FILENO)
        } catch {
            close(fds[0])
            close(fds[1])
            throw TransferFailure(2, "\(flavor.streamTool): \(error)")
        }
        close(fds[0])
        let sink = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        var received: Int64 = 0
        let started = ContinuousClock.now
        var said = started
        do {
            let decoder = try BackupDecoder()
            while true {
                let chunk = try connection.read(upTo: Self.chunkSize, idle: idleTimeout)
                if chunk.isEmpty { break }
                received += Int64(chunk.count)
                try sink.write(contentsOf: try decoder.decode(Data(chunk)))
                // Progress for the agent (its status and metrics) and for a person: every 2 s.
                if ContinuousClock.now - said >= Self.progressInterval {
                    said = .now
                    logProgress(received, since: started)
                }
            }
            try decoder.finish()
            try sink.close()
        } catch {
            try? sink.close()
            unpacker.signalGroup(SIGKILL)
            _ = await unpacker.wait()
            throw .transfer("the stream from the donor broke after \(ByteCount.short(received)): \(error)")
        }
        logProgress(received, since: started)
        let unpacked = await unpacker.wait()
        guard unpacked.isClean else { throw .transfer("\(flavor.streamTool) could not unpack the stream (\(unpacked))") }
        log.info("received \(ByteCount.short(received)); preparing the copy")
        let prepare: ChildProcess
        do {
            prepare = try ChildProcess.spawn(flavor.backupTool, arguments: ["--prepare", "--target-dir=\(scratch)"], outputPath: nil,
                                             standardOutput: STDERR_FILENO, standardError: STDERR_FILENO)
        } catch {
            throw TransferFailure(2, "\(flavor.backupTool): \(error)")
        }
        let prepared = await prepare.wait()
        guard prepared.isClean else { throw .backup("\(flavor.backupTool) --prepare failed (\(prepared)): the copy is unusable") }
        return received
    }

    /// Replaces the datadir's contents with the prepared copy, then removes the marker. Returns
    /// the copy's position.
    private func install() throws(TransferFailure) -> GaleraPosition {
        let files = FileManager.default
        let infoNames = ["mariadb_backup_galera_info", "xtrabackup_galera_info"]
        guard let info = infoNames.lazy.compactMap({ try? String(contentsOfFile: "\(self.scratch)/\($0)", encoding: .utf8) }).first,
              let position = BackupEncoder.position(inGaleraInfo: info) else {
            throw .backup("the copy holds no Galera position (\(infoNames.joined(separator: " or "))): was the donor's backup taken with --galera-info?")
        }
        do {
            for name in try files.contentsOfDirectory(atPath: datadir) where !Self.kept.contains(name) && !Self.isLog(name) {
                try files.removeItem(atPath: datadir + "/" + name)
            }
            for name in try files.contentsOfDirectory(atPath: scratch) {
                let target = datadir + "/" + name
                if files.fileExists(atPath: target) { try files.removeItem(atPath: target) }
                try files.moveItem(atPath: scratch + "/" + name, toPath: target)
            }
            try files.removeItem(atPath: scratch)
            try files.removeItem(atPath: datadir + "/" + Self.marker)
        } catch {
            throw .transfer("moving the copy into \(datadir) failed: \(error.localizedDescription); the datadir stays marked incomplete (\(Self.marker))")
        }
        return position
    }

    /// mysqld's and the agent's logs in the datadir stay (they are being written to), and so do
    /// certificates mysqld may have made there.
    static func isLog(_ name: String) -> Bool { name.hasSuffix(".err") || name.hasSuffix(".log") || name.hasSuffix(".pem") }
}
