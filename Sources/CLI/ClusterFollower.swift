import Foundation
import Galera
import KubeAPI
import KubeClient
import QiniuAPI

/// Waits until a cluster is Green (and, when given, `alsoReady` holds), printing a line to
/// standard error whenever its state or a node's changes: `create --wait` and `playground up`.
/// It polls (twice a second): a cluster that becomes Green says so within half a second, and a
/// lost connection is just a missed poll.
struct ClusterFollower {
    var client: KubeClient
    var namespace: String
    var timeout: Duration
    /// An extra condition checked once the status says Green (the playground's pods being Ready).
    var alsoReady: (@Sendable () async throws -> Bool)?

    /// Returns the time it took.
    @discardableResult
    func follow(name: String, hint: String) async throws -> Duration {
        let start = ContinuousClock.now
        var last = ""
        while true {
            let cluster = try await client.get(QiniuMySQL.self, name: name, namespace: namespace)
            let line = Self.progressLine(cluster)
            if line != last {
                StandardError.write("  [\(Self.seconds(ContinuousClock.now - start))] \(line)\n")
                last = line
            }
            let observed = (cluster.status?.observedGeneration ?? 0) >= (cluster.metadata.generation ?? 0)
            if cluster.status?.state == .green, observed, try await alsoReady?() ?? true { return ContinuousClock.now - start }
            if ContinuousClock.now - start > timeout {
                throw CLIError("\(name) is not Green after \(Self.seconds(timeout)) (\(cluster.status?.state?.rawValue ?? "no status yet"))",
                               hint: hint, status: .timedOut)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// `demo: Yellow (demo-0 Green, demo-1 Green, demo-2 Yellow)`
    static func progressLine(_ cluster: QiniuMySQL) -> String {
        let state = cluster.status?.state?.rawValue ?? "no status yet"
        let nodes = (cluster.status?.nodes ?? []).map { "\($0.name) \($0.state)" }.joined(separator: ", ")
        return "\(cluster.metadata.name ?? ""): \(state)\(nodes.isEmpty ? "" : " (\(nodes))")"
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.inSeconds)
    }
}
