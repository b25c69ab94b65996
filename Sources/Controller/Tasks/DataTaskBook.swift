import Backup
import Binlog
import Galera
import ControllerAPI
import Foundation
import KubeAPI
import QiniuAPI

/// The controller's record of its data tasks (backups and restores) and of its store's catalog:
/// plain state, changed only by the controller actor. The status shows `published`.
struct DataTaskBook: Sendable {
    /// Finished tasks kept in the status (the newest); unfinished ones are always shown.
    static let keptFinished = 10
    /// Bytes of a running task are updated in the status at most this often.
    static let progressInterval = Duration.seconds(2)
    /// A backup that gave way to fault recovery starts again afterwards, at most this often.
    static let maxYields = 3

    private(set) var tasks: [String: DataTaskStatus] = [:]
    private(set) var requests: [String: DataTaskRequest] = [:]
    private(set) var order: [String] = []
    var cancelled: Set<String> = []
    var yields: [String: Int] = [:]
    /// Backups that gave way to fault recovery and start again once the cluster is Green.
    var yielded: Set<String> = []
    /// This cluster's backups in the store, oldest first (read at start, after each change).
    var catalog: [BackupMetadata] = []
    /// The scheduled instant most recently acted on.
    var scheduledSince: Date?
    private var progressAt: [String: ContinuousClock.Instant] = [:]

    func task(_ name: String) -> DataTaskStatus? { tasks[name] }
    func request(_ name: String) -> DataTaskRequest? { requests[name] }

    /// An unfinished task, if any, other than `name`.
    func unfinished(except name: String? = nil) -> [DataTaskStatus] {
        order.compactMap { tasks[$0] }.filter { !$0.phase.isFinished && $0.name != name }
    }

    mutating func add(_ request: DataTaskRequest, status: DataTaskStatus) {
        tasks[request.name] = status
        requests[request.name] = request
        order.append(request.name)
        // Forget the oldest finished tasks beyond what is shown.
        let finished = order.filter { tasks[$0]?.phase.isFinished == true }
        for name in finished.dropLast(Self.keptFinished) {
            order.removeAll { $0 == name }
            tasks[name] = nil
            requests[name] = nil
            cancelled.remove(name)
            yields[name] = nil
        }
    }

    mutating func update(_ name: String, _ change: (inout DataTaskStatus) -> Void) {
        guard var task = tasks[name] else { return }
        change(&task)
        tasks[name] = task
    }

    mutating func approve(_ name: String, through step: Int) {
        guard var request = requests[name] else { return }
        request.approvedStep = max(request.approvedStep ?? -1, step)
        requests[name] = request
    }

    /// Records the bytes of a running task when the last update is old enough.
    mutating func noteBytes(_ name: String, _ bytes: Int64, now: ContinuousClock.Instant) {
        if let last = progressAt[name], now - last < Self.progressInterval { return }
        progressAt[name] = now
        update(name) { $0.bytes = bytes }
    }

    /// What the status carries: every unfinished task and the newest finished ones, oldest first.
    var published: [DataTaskStatus] {
        order.compactMap { tasks[$0] }
    }
}

extension BackupMetadata {
    var summary: BackupSummary {
        var summary = BackupSummary(
            id: id, cluster: cluster, node: node, time: KubeTime.format(finishedAt), size: size,
            position: position.description, serverVersion: serverVersion, sha256: sha256, verified: verifiedAt.map(KubeTime.format))
        if let archiveHistory, let sequence = archiveSequence {
            summary.gtid = GTID(domain: BinaryLog.clusterDomain, server: 1, sequence: sequence).description
            summary.archiveHistory = archiveHistory
        }
        return summary
    }
}
