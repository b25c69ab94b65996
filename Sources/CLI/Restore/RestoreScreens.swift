import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// What the restore wizard shows, as pure functions of the cluster and the task: the flow in
/// `RestoreWizard` only reads, asks and writes. docs/restore.md holds a captured run of these
/// screens, kept current by a test.
enum RestoreScreens {
    // MARK: Before the task

    /// The cluster, its nodes, and which of them hold the newest data.
    static func overview(_ cluster: QiniuMySQL, terminal: Terminal) -> String {
        let name = cluster.metadata.name ?? ""
        let nodes = cluster.status?.nodes ?? []
        var out = terminal.paint("Restore of cluster \(name) (namespace \(cluster.metadata.namespace ?? ""))", .bold) + "\n\n"
        out += "\(name) is \(terminal.paintState(cluster.status?.state?.rawValue ?? "unknown"))"
        if let ready = cluster.status?.ready { out += ", \(ready) nodes ready" }
        out += ".\n"
        let newest = newestData(nodes)
        var table = Table(["Node", "State", "Wsrep", "Seqno", "Newest data"])
        for node in nodes {
            table.append([node.name, terminal.paintState(node.state), node.wsrepState ?? "-", node.seqno.map(String.init) ?? "-",
                          newest.nodes.contains(node.name) ? "yes" : ""])
        }
        out += indent(table.render())
        out += "Newest data: \(newest.why).\n"
        return out
    }

    /// The nodes holding the newest data: the Synced members of a Primary component when there
    /// are any (they hold the same data), else the stopped nodes with the highest seqno.
    static func newestData(_ nodes: [QiniuMySQLNodeStatus]) -> (nodes: Set<String>, why: String) {
        let synced = nodes.filter { $0.ready == true }
        if !synced.isEmpty {
            let names = synced.map(\.name)
            return (Set(names), synced.count == nodes.count
                        ? "every node is Synced in the Primary component, so they hold the same data"
                        : "\(list(names)), Synced in the Primary component")
        }
        guard let top = nodes.compactMap(\.seqno).max() else { return ([], "unknown: no node reports a position") }
        let names = nodes.filter { $0.seqno == top }.map(\.name)
        return (Set(names), "\(list(names)), at seqno \(top)")
    }

    /// The backups to choose from, numbered (oldest first, as the store lists them).
    static func backups(_ records: [BackupRecord], source: String, defaultIndex: Int?, now: Date, terminal: Terminal) -> String {
        var out = "\nBackups of \(source):\n"
        var table = Table(["#", "Id", "Taken", "Size", "Position", "Verified"])
        for (index, record) in records.enumerated() {
            let taken = record.time.map { "\($0) (\(Age.describe($0, now: now)) ago)" } ?? "-"
            let verified = record.verified != nil ? terminal.paint("yes", .green) : terminal.paint("not yet", .yellow)
            let number = index == defaultIndex ? "\(index + 1)*" : "\(index + 1)"
            table.append([number, record.id ?? "-", taken, record.size.map { ByteCount.short($0) } ?? "-", record.position ?? "-", verified])
        }
        out += indent(table.render())
        if let defaultIndex {
            let verified = records[defaultIndex].verified != nil
            out += "* the default: the newest \(verified ? "verified " : "")backup\(verified ? "" : " (none is verified yet; step 0 verifies it)").\n"
        }
        return out
    }

    /// The newest verified backup, else the newest.
    static func defaultBackup(_ records: [BackupRecord]) -> Int? {
        records.lastIndex { $0.verified != nil } ?? (records.isEmpty ? nil : records.count - 1)
    }

    /// The controller's own rule (`RestoreBootstrap`) applied to the states the wizard shows.
    static func recommendation(_ cluster: QiniuMySQL) -> RestoreBootstrap.Choice? {
        RestoreBootstrap.choose(among: candidates(cluster))
    }

    static func candidates(_ cluster: QiniuMySQL) -> [RestoreBootstrap.Candidate] {
        (cluster.status?.nodes ?? []).enumerated().map { index, node in
            RestoreBootstrap.Candidate(name: node.name, ordinal: ClusterNames.ordinal(of: node.name) ?? index,
                                       state: NodeState(rawValue: node.state) ?? .unknown)
        }
    }

    /// A point-in-time restore's choice, once made.
    static func pointChosen(_ target: RestoreTarget, backup: BackupRecord) -> String {
        "Restore to \(target.description): backup \(backup.id ?? "?"), then the archived binary log after it.\n"
    }

    /// What the task will do, before it is created.
    static func plan(cluster: String, nodes: [String], backup: BackupRecord, target: RestoreTarget? = nil, bootstrap: String, skipSafetyBackup: Bool, terminal: Terminal) -> String {
        let others = nodes.filter { $0 != bootstrap }
        var out = "\n" + terminal.paint("The plan", .bold) + " (each step from 1 on waits for your yes):\n"
        var table = Table(["Step", "What it does"])
        table.append(["0. VerifyBackup", "check \(backup.id ?? "")'s sha256; unpack and prepare it on \(bootstrap) (changes nothing)"])
        table.append(["1. BackupCurrentState", skipSafetyBackup ? "skipped (--skip-safety-backup)" : "back up \(cluster) as it is now: the way back"])
        table.append(["2. PauseNodes", "stop \(list(nodes)) gracefully: \(cluster) stops serving"])
        table.append(["3. PickBootstrapNode", bootstrap])
        table.append(["4. RestoreOnBootstrapNode", "replace \(bootstrap)'s data with the backup; bootstrap it at \(backup.position ?? "its position")"
                      + (target.map { "; replay the archived binary log to \($0.description)" } ?? "")])
        table.append(["5. StartOtherNodes", others.isEmpty ? "none: \(cluster) has one node" : "empty \(list(others)) and join them by SST"])
        out += indent(table.render())
        out += terminal.paint("Every write made to \(cluster) after \(target?.description ?? backup.time ?? "the backup") is lost.", .yellow) + "\n"
        out += "\"no\" or Ctrl-C at any step leaves the restore waiting there; `kubectl qmysql restore \(cluster) --resume` goes on.\n"
        return out
    }

    // MARK: Steps

    /// Before step `number`: what it will do to which nodes, and what it cannot undo.
    static func step(_ number: Int, task: QiniuMySQLData, nodes: [String], terminal: Terminal) -> String {
        let cluster = task.spec.cluster
        let bootstrap = task.status?.node ?? task.spec.bootstrapNode ?? "the bootstrap node"
        let others = nodes.filter { $0 != bootstrap }
        let backup = task.status?.backup
        let safety = task.status?.safetyBackup?.id
        let (does, undo): (String, String) = switch number {
        case 1 where task.spec.skipSafetyBackup == true:
            ("nothing: it is skipped (--skip-safety-backup).",
             "There will be no backup of \(cluster) as it is now: once step 5 has run, the state before the restore is gone.")
        case 1:
            ("Streams a hot backup of \(cluster) from one Synced node into its backup store; \(cluster) keeps serving.",
             "Nothing to undo: it only adds a backup. It is the way back after the restore.")
        case 2:
            ("Stops \(list(nodes)) gracefully, highest ordinal first. \(cluster) stops serving until step 4 ends.",
             "No data is lost: every node keeps its data on disk. A cancel after this step starts \(cluster) again from its own data.")
        case 3:
            ("Records \(bootstrap) as the node to restore on (the backup was unpacked and prepared there at step 0).",
             "Nothing changes.")
        case 4:
            ("Empties \(bootstrap)'s datadir, copies the backup \(backup?.id ?? "") back into it and bootstraps \(bootstrap) alone at \(backup?.position ?? "the backup's position").",
             others.isEmpty
                ? "\(bootstrap)'s own data is gone for good, and no other node holds it."
                : "\(bootstrap)'s own data is gone for good. \(list(others)) still \(others.count == 1 ? "holds" : "hold") the old data: a cancel after this step starts \(cluster) from \(others.count == 1 ? "it" : "them") and re-seeds \(bootstrap).")
        case 5:
            (others.isEmpty ? "Nothing: \(cluster) has one node." : "Empties \(list(others)), one at a time, and joins each to \(bootstrap) by SST (a full copy of the restored data).",
             safety.map { "Their old data is gone for good: afterwards, the state before the restore exists only as safety backup \($0)." }
                ?? "Their old data is gone for good, and there is no safety backup: the state before the restore is lost.")
        default:
            ("", "")
        }
        var out = "\n" + terminal.paint("Step \(number) of 5: \(RestoreSteps.name(number))", .bold) + "\n"
        out += "  Does:         \(does)\n"
        out += "  Cannot undo:  \(undo)\n"
        return out
    }

    // MARK: Leaving and the end

    /// Where a restore the wizard leaves stands: untouched before step 2; after it, exactly what
    /// is stopped and what runs.
    static func leaving(_ task: QiniuMySQLData, cluster: QiniuMySQL?, interrupted: Bool) -> String {
        let name = task.metadata.name ?? ""
        let clusterName = task.spec.cluster
        let step = currentStep(task)
        var out = "\n"
        switch step?.state {
        case .waitingForApproval?:
            out += "Restore \(name) waits for approval of step \(step?.number ?? 0) (\(step?.name ?? "")).\n"
        case .running?:
            out += "Restore \(name) is running step \(step?.number ?? 0) (\(step?.name ?? "")).\n"
        default:
            out += "Restore \(name) \(interrupted ? "was left" : "waits") before it started.\n"
        }
        if !touched(task) {
            out += "Nothing has changed: \(clusterName) is untouched and serving.\n"
        } else {
            let nodes = cluster?.status?.nodes ?? []
            let running = nodes.filter { $0.state == NodeState.green.rawValue || $0.state == NodeState.yellow.rawValue }.map(\.name)
            let stopped = nodes.filter { $0.state.hasPrefix("Red") }.map(\.name)
            let unknown = nodes.filter { $0.state == NodeState.unknown.rawValue }.map(\.name)
            if !stopped.isEmpty {
                let why = switch (stepDone(task, 4), stepState(task, 5)) {
                case (true, .running?): "to join the restored data by SST, one at a time"
                case (true, _): "\(stopped.count == 1 ? "it holds" : "they hold") the old data"
                default: "\(stopped.count == 1 ? "its" : "their") data is on disk"
                }
                out += "Stopped: \(list(stopped)) (\(why)).\n"
            }
            if !running.isEmpty {
                let restoredOn = stepDone(task, 4) ? task.status?.node : nil
                out += "Running: \(running.map { $0 == restoredOn ? "\($0) (the restored data)" : $0 }.joined(separator: ", ")).\n"
            } else {
                out += "Running: none: \(clusterName) does not serve.\n"
            }
            if !unknown.isEmpty { out += "Unknown: \(list(unknown)) (the agent does not answer).\n" }
            if step?.state == .running { out += "Step \(step?.number ?? 0) goes on in the cluster without this terminal.\n" }
        }
        out += "Go on:  kubectl qmysql restore \(clusterName) --resume\n"
        out += "Cancel: kubectl qmysql restore \(clusterName) --cancel"
        out += touched(task) ? " (brings \(clusterName) back from its own data)\n" : " (changes nothing)\n"
        return out
    }

    static func finished(_ task: QiniuMySQLData, cluster: QiniuMySQL, terminal: Terminal) -> String {
        let name = task.spec.cluster
        let backup = task.status?.backup
        var out = "\n" + terminal.paint("Restore finished: \(name) is \(terminal.paintState(cluster.status?.state?.rawValue ?? "unknown")).", .bold) + "\n"
        out += "  Restored:      backup \(backup?.id ?? task.spec.backupName ?? "") at position \(backup?.position ?? "?"), on \(task.status?.node ?? "?")\n"
        if let safety = task.status?.safetyBackup, let id = safety.id {
            out += "  Safety backup: \(id) (\(safety.size.map { ByteCount.short($0) } ?? "?") at \(safety.position ?? "?")): the state before the restore,\n"
            out += "                 in \(name)'s backup store (claim \(ClusterNames.backupClaim(of: name)), \(safety.location ?? "\(name)/\(id)"))\n"
            out += "  To go back:    kubectl qmysql restore \(name) --from \(id)\n"
        } else {
            out += "  Safety backup: none (step 1 was skipped)\n"
        }
        return out
    }

    // MARK: Reading a task

    /// The step the task has reached: the last one that left Pending.
    static func currentStep(_ task: QiniuMySQLData) -> DataStep? {
        task.status?.steps?.last { $0.state != .pending }
    }

    /// Whether step 2 (PauseNodes) started: from then on the nodes were touched.
    static func touched(_ task: QiniuMySQLData) -> Bool {
        guard let pause = task.status?.steps?.first(where: { $0.number == 2 }) else { return false }
        return ![.pending, .waitingForApproval, .cancelled].contains(pause.state)
    }

    static func stepDone(_ task: QiniuMySQLData, _ number: Int) -> Bool {
        guard let step = task.status?.steps?.first(where: { $0.number == number }) else { return false }
        return step.state.isCompleted
    }

    static func stepState(_ task: QiniuMySQLData, _ number: Int) -> DataStepState? {
        task.status?.steps?.first { $0.number == number }?.state
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
    }
}
