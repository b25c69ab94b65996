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
            when it finished, size, Galera position, the node it was taken on, and when its stored \
            stream last read back with its sha256 (after it was written, and at every restore).

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
        }
    }

    static func table(_ backups: [BackupRecord]) -> String {
        var table = Table(["ID", "Time", "Size", "Position", "Node", "Verified"])
        for backup in backups {
            table.append([
                backup.id ?? "?", backup.time ?? "?", backup.size.map(ByteCount.short) ?? "?",
                backup.position ?? "?", backup.node ?? "?", backup.verified ?? "never",
            ])
        }
        return table.render()
    }
}
