import AgentAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import Testing

/// A database pod runs as the image's mysql user (uid 999), never as root, on whatever volume
/// the cluster gives it. On a real kubelet the first `create` failed: `mariadb-install-db
/// --user=mysql` tried to chown the datadir, which only root may do (issue 21). Each volume a
/// kubelet hands out, with a real agent running as uid 999 (the image's user database through
/// nss_wrapper) initialising and bootstrapping a real mariadbd on it.
@Suite("a non-root agent on the volumes a kubelet gives", .serialized)
struct NonRootVolumeTests {
    struct Volume: Sendable, CustomTestStringConvertible {
        var name: String
        var group: gid_t
        var mode: mode_t
        var testDescription: String { name }
    }

    static let volumes = [
        Volume(name: "root's, mode 0777 (hostPath, local-path)", group: 0, mode: 0o777),
        Volume(name: "root:fsGroup, mode 2775 (a CSI volume with fsGroup)", group: 999, mode: 0o2775),
        Volume(name: "an emptyDir with fsGroup, root:fsGroup 2777", group: 999, mode: 0o2777),
    ]

    static let nssWrapper = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
        .map { "\($0)/libnss_wrapper.so" }.first { FileManager.default.fileExists(atPath: $0) }

    /// A one-node cluster on 127.0.41.2 whose agent runs as uid 999 with its datadir on a
    /// `volume`-style directory (and its run directory on an emptyDir, as rendered).
    static func cluster(_ root: String, volume: Volume) throws -> LocalCluster {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: root)
        try fileManager.createDirectory(atPath: root + "/node0", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for (directory, group, mode) in [("data", volume.group, volume.mode), ("run", gid_t(999), mode_t(0o2777))] {
            let path = root + "/node0/" + directory
            try fileManager.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(chown(path, 0, group) == 0 && chmod(path, mode) == 0)
        }
        // The image's users, and the executable where uid 999 may read it (a build can sit under
        // a directory only root enters).
        try "root:x:0:0::/root:/bin/sh\nmysql:x:999:999::/nonexistent:/usr/sbin/nologin\n".write(toFile: root + "/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nmysql:x:999:\n".write(toFile: root + "/group", atomically: true, encoding: .utf8)
        let executable = root + "/kubectl-qmysql"
        if link(LocalClusterConfiguration.siblingExecutable(), executable) != 0 {
            try fileManager.copyItem(atPath: LocalClusterConfiguration.siblingExecutable(), toPath: executable)
        }
        var configuration = LocalClusterConfiguration(name: "nonroot", root: root, executable: executable)
        configuration.nodeCount = 1
        configuration.firstAddress = "127.0.41.2"
        configuration.agentUser = .init(uid: 999, gid: 999, groups: [999], nssWrapper: try #require(nssWrapper),
                                        passwdFile: root + "/passwd", groupFile: root + "/group")
        return LocalCluster(configuration: configuration)
    }

    static func uid(of pid: pid_t) -> Int? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first.flatMap { Int($0) }
    }

    @Test(arguments: volumes)
    func initialisesAndBootstrapsAsTheImagesUser(volume: Volume) async throws {
        try #require(geteuid() == 0, "the tests run as root, as CI does: only root can run an agent as uid 999")
        let root = "/tmp/qmysql-agent-tests/nonroot-\(getpid())"
        let cluster = try Self.cluster(root, volume: volume)
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.start()
        let status = try await cluster.node(0).client.status()
        #expect(status.state == .green, "\(status.stateReason)")
        let pid = try #require(pid_t((try String(contentsOfFile: cluster.node(0).mysqldPidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.uid(of: pid) == 999, "mysqld runs as the pod's user")
        var info = stat()
        #expect(stat(cluster.node(0).dataDirectory + "/mysql", &info) == 0 && info.st_uid == 999, "the system tables are the pod user's")
        // The agent reads status over the socket as the image's mysql account (unix_socket).
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await MySQLConnection.connect(cluster.node(0).sqlOptions, threadPool: threadPool)
        let accounts = try await connection.query("SELECT user FROM mysql.global_priv WHERE host = 'localhost' ORDER BY user")
        await connection.close()
        try? await threadPool.shutdownGracefully()
        #expect(accounts.rows.compactMap(\.first).contains("mysql"), "\(accounts.rows)")
        await cluster.stopAgents()
    }

    /// A volume the pod's user cannot write (root's, 0755, no fsGroup): initialisation fails, and
    /// the error carries the tool's own words, not only a path inside the pod.
    @Test func aVolumeItCannotWriteFailsWithTheToolsOwnWords() async throws {
        try #require(geteuid() == 0, "the tests run as root, as CI does")
        let root = "/tmp/qmysql-agent-tests/nonroot-closed-\(getpid())"
        let cluster = try Self.cluster(root, volume: Volume(name: "root's, 0755", group: 0, mode: 0o755))
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.startAgents()
        do {
            _ = try await cluster.node(0).client.start(StartRequest(mode: .bootstrap))
            Issue.record("mysqld started on a datadir its user cannot write")
        } catch {
            let text = "\(error)"
            #expect(text.contains("initializeFailed") && text.contains("mariadb-install-db exited"), "\(text)")
            #expect(text.contains("Permission denied"), "the tool's own words: \(text)")
            print("the error a user sees: \(text)")
        }
        await cluster.stopAgents()
    }
}
