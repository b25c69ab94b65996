import ArgumentParser
import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// `kubectl qmysql backups NAME`: the backups in a cluster's store, as its controller lists them
/// in the cluster's status.
struct BackupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backups",
        abstract: "List a cluster's backups.",
        discussion: """
            The backups in the cluster's store, oldest first, as its controller lists them: id, \
            when it finished, size, Galera position, its GTID (when the binary log was archived), \
            the node it was taken on, and when its stored stream last read back with its sha256 \
            (after it was written, and at every restore). With spec.backup.pitr on, the window a \
            restore can reach follows: any second from a backup on, to within the archive's lag \
            of now, split where the archive has a gap.

              kubectl qmysql backups demo
              kubectl qmysql backups demo -o json
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(name: .shortAndLong, help: "Output format: json or yaml.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml], command: "backups")
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            let backups = cluster.status?.backups ?? []
            if let output {
                print(try DataPrinter.render(try JSONValue(encoding: backups), as: output), terminator: "")
                return
            }
            guard !backups.isEmpty else {
                StandardError.write("cluster \(name) has no backups yet; take one with `kubectl qmysql backup \(name)`\n")
                return
            }
            print(Self.table(backups), terminator: "")
            if let archive = cluster.status?.archive { print(Self.window(archive), terminator: "") }
        }
    }

    static func table(_ backups: [BackupRecord]) -> String {
        var table = Table(["ID", "Time", "Size", "Position", "GTID", "Node", "Verified"])
        for backup in backups {
            table.append([
                backup.id ?? "?", backup.time ?? "?", backup.size.map(ByteCount.short) ?? "?",
                backup.position ?? "?", backup.gtid ?? "-", backup.node ?? "?", backup.verified ?? "never",
            ])
        }
        return table.render()
    }

    /// The point-in-time window, in words: what `restore --to-time` can reach.
    static func window(_ archive: ArchiveSummary) -> String {
        var lines: [String] = []
        let lag = archive.lagWithin.map { "within \($0) of now" } ?? "behind by more than 10 minutes"
        if archive.windows.isEmpty {
            lines.append("Point-in-time recovery: no window yet (it opens with the first backup taken while the binary log is archived)")
        }
        for window in archive.windows {
            let end = window.to.map { "to \($0)" } ?? "to now (the archive is \(lag))"
            lines.append("Point-in-time recovery: any time from \(window.from) \(end)")
        }
        for gap in archive.gaps ?? [] { lines.append("  gap: \(gap)") }
        if let problem = archive.problem { lines.append("  archiving is interrupted: \(problem)") }
        return lines.map { $0 + "\n" }.joined()
    }
}
