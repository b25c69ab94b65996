import Backup
import Foundation
import Galera
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// The donor's side: connects to the joiner and sends either the position alone (Galera sends
/// IST itself) or a hot backup, compressed as backups are stored. No sleep before the copy: the
/// joiner said `ready` only once it listened.
struct Donor {
    let arguments: TransferArguments
    let flavor: Flavor
    let log: TransferLog
    var connectTimeout = Duration.seconds(30)

    static let chunkSize = 1 << 20

    /// Runs the donor; returns what mysqld reads last (`done UUID:SEQNO`).
    func run() async throws(TransferFailure) -> String {
        guard let position = arguments.position else { throw .transfer("no --gtid") }
        let endpoint: (host: String, port: Int)
        do { endpoint = try TransferArguments.endpoint(arguments.address) } catch { throw .transfer(error.description) }
        let connection: TransferSocket
        do {
            connection = try TransferSocket.connect(host: endpoint.host, port: endpoint.port, until: .now + connectTimeout)
        } catch {
            throw .transfer(error.description)
        }
        if let tls = arguments.tls {
            do { try connection.secure(tls, as: .donor, idle: .seconds(60)) } catch { throw .transfer(error.description) }
        }
        let header = TransferHeader(kind: arguments.bypass ? .ist : .sst, position: position, domainID: arguments.domainID)
        do { try connection.write(Array(header.line.utf8)) } catch { throw .transfer(error.description) }
        if arguments.bypass {
            connection.finishWriting()
            log.info("IST: sent the position \(position) to \(endpoint.host); Galera sends the writesets")
            return "done \(position)"
        }
        let started = ContinuousClock.now
        let sent = try await streamBackup(to: connection)
        connection.finishWriting()
        log.info("SST sent: \(ByteCount.short(sent)) compressed in \((ContinuousClock.now - started).readable) to \(endpoint.host)")
        return "done \(position)"
    }

    /// Runs the backup tool and sends its stream, compressed. Returns the bytes sent.
    private func streamBackup(to connection: TransferSocket) async throws(TransferFailure) -> Int64 {
        let files = FileManager.default
        // The tool's own scratch directory: beside my.cnf (the node's run directory), never the datadir.
        let base = arguments.defaultsFile.map { ($0 as NSString).deletingLastPathComponent } ?? NSTemporaryDirectory()
        let temporary = base + "/sst-donor"
        try? files.removeItem(atPath: temporary)
        try? files.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        defer { try? files.removeItem(atPath: temporary) }
        var toolArguments = arguments.defaultsFile.map { ["--defaults-file=\($0)"] } ?? []
        // A volume's lost+found is no database (and root's: the tool could not read it).
        toolArguments += ["--backup", "--galera-info", "--stream=xbstream", "--target-dir=\(temporary)", "--databases-exclude=lost+found"]
        if let socket = arguments.socket { toolArguments.append("--socket=\(socket)") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .transfer("cannot create a pipe: \(String(cString: strerror(errno)))") }
        let tool: ChildProcess
        do {
            tool = try ChildProcess.spawn(flavor.backupTool, arguments: toolArguments, outputPath: nil,
                                          standardOutput: fds[1], standardError: STDERR_FILENO)
        } catch {
            close(fds[0])
            close(fds[1])
            throw TransferFailure(2, "\(flavor.backupTool): \(error)")
        }
        close(fds[1])
        log.info("sending a hot backup (\(flavor.backupTool), pid \(tool.pid))")
        let source = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        var sent: Int64 = 0
        let encoder: BackupEncoder
        do {
            encoder = try BackupEncoder()
            while true {
                let raw = try source.read(upToCount: Self.chunkSize) ?? Data()
                if raw.isEmpty { break }
                let chunk = try encoder.encode(raw)
                try connection.write(chunk)
                sent += Int64(chunk.count)
            }
        } catch {
            tool.signalGroup(SIGKILL)
            _ = await tool.wait()
            throw .transfer("sending the backup failed after \(ByteCount.short(sent)): \(error)")
        }
        // The tool's word before the stream's end: a tool killed between two of its chunks leaves
        // a stream whose framing reads as whole, so the joiner gets the end only after a clean
        // exit, and otherwise sees the stream break.
        let exit = await tool.wait()
        guard exit.isClean else { throw .backup("\(flavor.backupTool) \(exit) after \(ByteCount.short(sent)) sent: the joiner gets no end of stream") }
        do {
            let last = try encoder.finish()
            try connection.write(last)
            sent += Int64(last.count)
        } catch {
            throw .transfer("sending the backup failed after \(ByteCount.short(sent)): \(error)")
        }
        return sent
    }
}
