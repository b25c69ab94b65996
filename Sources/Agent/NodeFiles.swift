import AgentAPI
import Foundation
import Galera
import RoleNetwork

/// The node's files on disk, as the agent reads and writes them. Small synchronous reads: they
/// are local files of a few hundred bytes.
struct NodeFiles: Sendable {
    let configuration: AgentConfiguration

    func grastate() -> GrastateObservation {
        let path = configuration.grastatePath
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .unreadable("\(path) cannot be read")
        }
        do {
            return .present(try GaleraState(parsing: String(decoding: data, as: UTF8.self), source: path))
        } catch {
            return .unreadable(error.description)
        }
    }

    var gvwstatePresent: Bool { FileManager.default.fileExists(atPath: configuration.gvwstatePath) }

    /// The joiner's SST script creates `sst_in_progress` in the datadir when a transfer begins and
    /// removes it when it ends; left behind, the transfer never finished (mysqld was killed in it).
    var stateTransferMarkerPresent: Bool {
        FileManager.default.fileExists(atPath: configuration.dataDirectory + "/sst_in_progress")
    }

    /// Where the agent records that this datadir was Synced in a Primary component, with the
    /// cluster's UUID and the node's name. An SST or a restore replaces the datadir's contents;
    /// a marker that came along with a copy names another node and does not count.
    var memberMarkerPath: String { configuration.dataDirectory + "/" + Self.memberMarkerName }
    static let memberMarkerName = "qmysql-member"

    struct MemberMarker: Codable, Equatable {
        var node: String
        var uuid: String
    }

    /// What the archive needs kept of the binary log (`Supervisor.keepBinlog`), as last told.
    var binlogKeepPath: String { configuration.dataDirectory + "/qmysql-binlog-keep" }

    func recordedBinlogKeep() -> BinlogKeep? {
        FileManager.default.contents(atPath: binlogKeepPath).flatMap { try? JSONDecoder().decode(BinlogKeep.self, from: $0) }
    }

    /// Atomically, like the member marker. Only into a datadir that exists.
    func recordBinlogKeep(_ keep: BinlogKeep) throws {
        guard FileManager.default.fileExists(atPath: configuration.dataDirectory) else { return }
        try JSONEncoder().encode(keep).write(to: URL(fileURLWithPath: binlogKeepPath), options: .atomic)
    }

    /// A person's word that this datadir may be replaced (see `AgentStatus.reseedApproved`).
    var reseedApprovalPath: String { configuration.dataDirectory + "/qmysql-reseed" }
    var reseedApproved: Bool { FileManager.default.fileExists(atPath: reseedApprovalPath) }

    /// The cluster UUID in this node's own marker; nil when there is none, it is unreadable, or
    /// it names another node.
    func memberOf() -> String? {
        guard let data = FileManager.default.contents(atPath: memberMarkerPath),
              let marker = try? JSONDecoder().decode(MemberMarker.self, from: data),
              marker.node == configuration.nodeName else { return nil }
        return marker.uuid.lowercased()
    }

    /// Written atomically (a temporary file renamed over it), so a crash leaves the old marker or
    /// the new one, never half of one.
    func recordMember(of uuid: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(MemberMarker(node: configuration.nodeName, uuid: uuid.lowercased()))
        try data.write(to: URL(fileURLWithPath: memberMarkerPath), options: .atomic)
    }

    /// The system schema exists: mysqld can start on this datadir without initialisation.
    var datadirInitialized: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: configuration.dataDirectory + "/mysql", isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// The datadir's filesystem: free bytes as an unprivileged writer sees them (f_bavail).
    func disk() -> AgentStatus.Disk? {
        var info = statvfs()
        guard statvfs(configuration.dataDirectory, &info) == 0 else { return nil }
        let unit = Int64(info.f_frsize == 0 ? info.f_bsize : info.f_frsize)
        return .init(path: configuration.dataDirectory, freeBytes: Int64(info.f_bavail) * unit, totalBytes: Int64(info.f_blocks) * unit)
    }

    func prepareDirectories() throws {
        for directory in [configuration.dataDirectory, configuration.runDirectory, configuration.temporaryDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Rewritten before every mysqld run, so a changed setting always takes effect on restart.
    /// The peers come from the peers file when there is one (a scale changed it, not the pod);
    /// their names go through the host table (the playground's stand-in for DNS) here, at each
    /// start, so a peer that came back on another address is found again.
    func writeMyCnf() throws {
        var cluster = configuration.cluster
        cluster.peers = try currentPeers().map { HostTable.resolve(hostPort: $0) }
        let text = MyCnf.render(cluster: cluster, node: configuration.nodeSettings)
        try writeAtomically(text, to: configuration.myCnfPath)
    }

    /// Whether the my.cnf mysqld last started with (it is rewritten before every start) names a
    /// certificate for clients. Read from the file, not the options: a restarted agent may find
    /// a mysqld that an agent with other options started.
    var offersClientTLS: Bool {
        guard let text = try? String(contentsOfFile: configuration.myCnfPath, encoding: .utf8) else { return false }
        return text.contains("\n\(MyCnf.clientCertificateKey)=")
    }

    /// The peers as `host:port`: the peers file's, else the command line's.
    func currentPeers() throws -> [String] {
        guard let file = configuration.peersFile else { return configuration.cluster.peers }
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            return try AgentOptions.resolve([text], galeraPort: configuration.galeraPort)
        } catch {
            if !configuration.cluster.peers.isEmpty { return configuration.cluster.peers }
            throw PeersUnavailable(description: "cannot read the peers from \(file): \(error)")
        }
    }

    struct PeersUnavailable: Error, CustomStringConvertible {
        var description: String
    }

    func writeGrastate(_ state: GaleraState) throws {
        try writeAtomically(state.rendered(), to: configuration.grastatePath)
    }

    /// What a helper's log says went wrong, for an error message: the path is inside the pod,
    /// where the user reading a status or an Event cannot look, so the tool's own words go with
    /// the error. Bounded: at most `lines` lines of at most 300 characters, from the last 64 KiB.
    func lastLines(of path: String, lines: Int = 4) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return NodeFiles.lastLines(text, lines)
    }

    /// The last `count` lines of `text` that tell an error (mysqld's `[ERROR]` and `[FATAL]`,
    /// a tool's "cannot", "Permission denied", "failed"), else its last `count` lines: MariaDB's
    /// install script ends every failure with the same twenty lines of advice, after the lines
    /// that matter. Each line is cut to 300 characters; they are joined by " / ".
    static func lastLines(_ text: String, _ count: Int) -> String {
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let markers = ["[ERROR]", "[FATAL]", "ERROR:", "error:", "Error:", "Cannot ", "cannot ", "Can't ", "Permission denied",
                       "not permitted", "No space left", "failed"]
        let telling = lines.filter { line in markers.contains { line.contains($0) } }
        return (telling.isEmpty ? lines : telling).suffix(count)
            .map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }
            .joined(separator: " / ")
    }

    /// A directory's device and inode: another directory at the same path is another identity.
    struct Identity: Sendable, Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// nil when the path does not exist.
    static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The datadir and its InnoDB system tablespace, which exists as long as the data does.
    func dataIdentities() -> [String: Identity] {
        var identities: [String: Identity] = [:]
        for path in [configuration.dataDirectory, configuration.dataDirectory + "/ibdata1"] {
            if let identity = Self.identity(of: path) { identities[path] = identity }
        }
        return identities
    }

    func truncate(_ path: String) throws {
        try Data().write(to: URL(fileURLWithPath: path))
    }

    /// Write to a temporary file and rename, so a crash never leaves half a file.
    private func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "rename \(temporary) to \(path): \(String(cString: strerror(errno)))"])
        }
    }

    /// A mysqld that an earlier agent started on this datadir and that still runs: starting a
    /// second one would fight it for the datadir's locks and the ports.
    func strayServerPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: configuration.pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
        else { return nil }
        let arguments = String(decoding: cmdline, as: UTF8.self)
        return arguments.contains("--defaults-file=\(configuration.myCnfPath)") ? pid : nil
    }
}
