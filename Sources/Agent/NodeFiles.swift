import AgentAPI
import Foundation
import Galera

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
    /// Peer names go through the host table (the playground's stand-in for DNS) here, at each
    /// start, so a peer that came back on another address is found again.
    func writeMyCnf() throws {
        var cluster = configuration.cluster
        cluster.peers = cluster.peers.map { HostTable.resolve(hostPort: $0) }
        let text = MyCnf.render(cluster: cluster, node: configuration.nodeSettings)
        try writeAtomically(text, to: configuration.myCnfPath)
    }

    func writeGrastate(_ state: GaleraState) throws {
        try writeAtomically(state.rendered(), to: configuration.grastatePath)
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
