import KubeAPI
import QiniuAPI

extension ClusterStatus {
    /// The QiniuMySQL status this controller status stands for: the one mapping from the
    /// controller's vocabulary to the resource's, used by the operator when it writes status and
    /// by anything else that shows a controller's view as the resource would.
    ///
    /// Fields the controller does not own (`observedGeneration`, `lastBackup`) come from the caller.
    public func resourceStatus(observedGeneration: Int64? = nil, lastBackup: LastBackup? = nil) -> QiniuMySQLStatus {
        let ready = nodes.filter(\.ready).count
        var status = QiniuMySQLStatus(
            state: state,
            ready: "\(ready)/\(nodes.count)",
            nodes: nodes.map {
                QiniuMySQLNodeStatus(name: $0.name, state: $0.state.rawValue, wsrepState: $0.wsrepState, seqno: $0.seqno, ready: $0.ready,
                                     agentSilentSince: $0.agentSilentSince)
            },
            conditions: conditions,
            observedGeneration: observedGeneration,
            lastBackup: self.lastBackup.map {
                LastBackup(name: $0.id, time: $0.time, size: $0.size, succeeded: true, position: $0.position)
            } ?? lastBackup,
            message: message,
            clusterUUID: clusterUUID, phase: phase, archive: archive)
        status.writer = writer
        return status
    }
}

extension BackupSummary {
    /// As the QiniuMySQL and QiniuMySQLData statuses show a backup.
    public var record: BackupRecord {
        var record = BackupRecord(id: id, cluster: cluster, node: node, time: time, location: "\(cluster)/\(id)", size: size,
                                  position: position, serverVersion: serverVersion, sha256: sha256, verified: verified)
        record.gtid = gtid
        record.archiveHistory = archiveHistory
        return record
    }
}
