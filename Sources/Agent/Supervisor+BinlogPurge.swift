import AgentAPI
import Binlog
import Foundation
import Galera

/// The node's binary log retention (docs/backup.md, "Retention"): mysqld never purges by
/// itself; the agent purges files older than `--binlog-retention`, never one holding a
/// transaction the cluster's archive does not hold yet.
extension Supervisor {
    /// How often the agent looks for files to purge: a quarter of the retention, between one
    /// second and a minute.
    nonisolated var binlogPurgeInterval: Duration {
        min(.seconds(60), max(.seconds(1), configuration.binlogRetention / 4))
    }

    /// The controller's word in its answer to a report. Recorded in the datadir, so an agent
    /// that restarts keeps the files its predecessor kept before the controller answers again.
    func keepBinlog(_ keep: BinlogKeep) async {
        guard keep != binlogKeep else { return }
        if binlogKeep == nil || keep.after == nil || binlogKeep?.after == nil {
            logger.info(keep.after == nil ? "the cluster is not archived: binary logs are kept for their retention only"
                        : "binary logs are kept until the archive holds them", metadata: [
                "archivedThrough": "\(keep.after.map(String.init) ?? "-")"])
        }
        binlogKeep = keep
        // It changes with every archived segment: written on the thread pool, not the actor's.
        let files = files
        do {
            try await threadPool.runIfActive { try files.recordBinlogKeep(keep) }
        } catch {
            logger.warning("cannot record what the archive needs kept; kept in memory only", metadata: ["error": "\(error)"])
        }
    }

    /// One pass: the files to go, if any, removed with `PURGE BINARY LOGS TO`.
    func purgeBinaryLogs(now: Date = Date()) async {
        guard configuration.cluster.flavor == .mariadb, mysqld != nil, wsrep?.ready == true else { return }
        if binlogKeep == nil { binlogKeep = files.recordedBinlogKeep() }
        // Not told and nothing recorded: a fresh node whose files are younger than any
        // retention worth having; the controller's next answer (seconds away) tells.
        let keepingAfter = binlogKeep?.after
        let retention = Double(configuration.binlogRetention.components.seconds)
        let dataDirectory = configuration.dataDirectory
        let listed: [LogPurge.File]
        do {
            listed = try await threadPool.runIfActive { Self.binlogFiles(in: dataDirectory, olderThan: retention, now: now) }
        } catch {
            return
        }
        let decision = LogPurge.decide(files: listed, keepingAfter: keepingAfter, retention: retention, now: now)
        if let held = decision.heldBack, held != binlogHeldBack {
            logger.warning("a binary log file past its retention is kept: the archive does not hold its transactions yet", metadata: [
                "file": "\(held)", "archivedThrough": "\(keepingAfter.map(String.init) ?? "-")"])
        }
        binlogHeldBack = decision.heldBack
        guard let purgeTo = decision.purgeTo else { return }
        do {
            // The name comes from the server's own index: letters, digits and dots.
            try await wsrepReader.execute("PURGE BINARY LOGS TO '\(purgeTo)'")
            logger.notice("binary log files purged", metadata: [
                "files": "\(decision.purged)", "oldestKept": "\(purgeTo)",
                "archivedThrough": "\(keepingAfter.map(String.init) ?? "not archived")"])
        } catch {
            logger.warning("cannot purge binary log files; tried again later", metadata: ["to": "\(purgeTo)", "error": "\(error)"])
        }
    }

    /// The index's files, oldest first, with their times; the starting state is read only of
    /// those old enough to go and the one after each (the rest cannot go this pass).
    static func binlogFiles(in dataDirectory: String, olderThan retention: TimeInterval, now: Date) -> [LogPurge.File] {
        let follower = BinlogFollower(dataDirectory: dataDirectory)
        let paths = follower.listedFiles()
        var files: [LogPurge.File] = []
        var readStarts = true
        for path in paths {
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? now
            let start = readStarts ? follower.startState(of: path) : nil
            files.append(.init(name: URL(fileURLWithPath: path).lastPathComponent, startState: start, modified: modified))
            if now.timeIntervalSince(modified) < retention { readStarts = false }
        }
        return files
    }
}
