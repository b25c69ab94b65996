import Foundation
import MySQLClient
import NIOPosix

extension LocalCluster {
    /// Builds a fresh cluster under `configuration`'s root, creates the controller's monitor account
    /// and the bounded writer's schema, stops it cleanly and saves the three datadirs to
    /// `snapshotDirectory`, so later clusters start from it in seconds (`reset(fromSnapshot:)`).
    /// The controller tests and ControllerBench both start from such a snapshot.
    public static func buildSnapshot(
        configuration: LocalClusterConfiguration, to snapshotDirectory: String,
        monitorUser: String, monitorPassword: String, threadPool: NIOThreadPool
    ) async throws {
        let cluster = LocalCluster(configuration: configuration)
        do {
            try await cluster.start()
            let admin = try await MySQLConnection.connect(cluster.node(0).sqlOptions, threadPool: threadPool)
            // The controller's probe account: SHOW GLOBAL STATUS needs no privilege beyond USAGE.
            try await admin.execute("CREATE USER IF NOT EXISTS '\(monitorUser)'@'%' IDENTIFIED BY \(SQLLiteral.string(monitorPassword))")
            await admin.close()
            try await BoundedWriter.prepareSchema(cluster.node(0).sqlOptions, threadPool: threadPool)
            try await cluster.stop()
            try await cluster.saveSnapshot(to: snapshotDirectory)
            await cluster.stopAgents()
        } catch {
            cluster.killAll()
            throw error
        }
    }
}
