import AgentAPI
import Backup
import Binlog
import ControllerAPI
import Foundation
import Galera
import QiniuAPI
import Synchronization

/// A point-in-time restore (`restoreTo`): the five steps, with the archived binary log replayed
/// on the bootstrap node at step 4 before the others join (docs/backup.md, "Point-in-time
/// recovery").
extension ClusterController {
    /// What a point-in-time restore replays: the backup's history and position, the target,
    /// and the segments that reach it without a break.
    struct ReplayPlan: Sendable {
        var history: String
        var start: UInt64
        var target: RecoveryTarget
        var segments: [ArchivedSegment]
    }

    /// The target as the archive counts it; a GTID outside the cluster's domain is refused.
    static func recoveryTarget(_ target: RestoreTarget) throws -> RecoveryTarget {
        if let problem = target.problem { throw RestoreRefused(problem, permanent: true) }
        if let seconds = target.seconds {
            guard let value = UInt32(exactly: seconds) else { throw RestoreRefused("restoreTo.time \(target.time ?? "") is out of range", permanent: true) }
            return .time(value)
        }
        guard let gtid = target.gtid.flatMap({ GTID($0) }) else { throw RestoreRefused("restoreTo.gtid is not a GTID", permanent: true) }
        guard gtid.domain == BinaryLog.clusterDomain else {
            throw RestoreRefused("GTID \(gtid) is not in the cluster's domain \(BinaryLog.clusterDomain) (only Galera's transactions are archived; \(BinaryLog.clusterDomain)-1-N)", permanent: true)
        }
        return .sequence(gtid.sequence)
    }

    /// Step 0's proof: the archive holds every transaction from the backup's position to the
    /// target without a break, and each segment it replays reads back whole (every event's
    /// CRC-32). Refused, the restore changes nothing, and the message names the gap.
    func planReplay(_ target: RestoreTarget, backup: BackupMetadata, source: String, store: any BackupStore, task name: String) async throws -> ReplayPlan {
        let recovery = try Self.recoveryTarget(target)
        guard let history = backup.archiveHistory, let start = backup.archiveSequence else {
            throw RestoreRefused("backup \(backup.id) was taken while the binary log was not archived, so no point after it can be reached; choose a backup taken since spec.backup.pitr was on", permanent: true)
        }
        // A point the live archive of this history has not reached yet, but will within a
        // segment or two (a time a moment ago, typed at once), is waited for, not refused.
        let live = source == configuration.clusterName && history == archive.history?.id && desired.archiveSegmentSeconds != nil
        let patience = Duration.seconds(2 * (desired.archiveSegmentSeconds ?? 0) + 10)
        if case .time(let seconds) = recovery, TimeInterval(seconds) > wallClock().timeIntervalSince1970 + 1 {
            throw RestoreRefused("\(recovery) is in the future: a restore reaches back from now, never ahead", permanent: true)
        }
        let waitingSince = clock.now
        var planned: [ArchivedSegment] = []
        while true {
            let segments = try await store.segments(cluster: source, history: history)
            // The live archiver of this very history, caught up (nothing waits in its open
            // segment), knows nothing was logged after its newest segment until its last heartbeat.
            let caughtUp = live && (archive.stream?.builder.transactions.isEmpty ?? true) && archive.last == segments.map(\.last).max()
            do {
                planned = try ArchiveCoverage(segments).plan(from: start, startTime: UInt32(backup.finishedAt.timeIntervalSince1970), to: recovery,
                                                             liveThrough: caughtUp ? archive.through : nil)
                break
            } catch .notArchived(let why) where live && clock.now - waitingSince < patience {
                markStep(name, 0, .running, "waiting for the archive to reach the point: \(why)")
                try await clock.sleep(for: .milliseconds(500))
            } catch {
                throw RestoreRefused("cannot restore backup \(backup.id) to \(recovery): \(error)", permanent: true)
            }
        }
        var bytes = 0
        for (index, segment) in planned.enumerated() {
            markStep(name, 0, .running, "reading archived segment \(index + 1) of \(planned.count) (transactions \(segment.first)–\(segment.last))")
            let data = try await store.readSegment(cluster: source, history: history, segment)
            var reader = BinlogReader(file: true)
            do {
                _ = try reader.feed(data)
            } catch {
                throw RestoreRefused("archived segment \(segment.name) of history \(history) is damaged: \(error)", permanent: true)
            }
            guard reader.unfinishedBytes == 0 else {
                throw RestoreRefused("archived segment \(segment.name) of history \(history) ends inside a transaction: it is truncated", permanent: true)
            }
            bytes += data.count
        }
        logger.notice("point-in-time restore planned", metadata: [
            "backup": "\(backup.id)", "history": "\(history)", "from": "\(start)", "target": "\(recovery)",
            "segments": "\(planned.count)", "bytes": "\(bytes)"])
        return ReplayPlan(history: history, start: start, target: recovery, segments: planned)
    }

    /// Step 4's replay: the planned segments, cut to the transactions after the backup and up to
    /// the target, sent to `node` as one binary log. The node skips what it already ran (a
    /// resumed replay) and answers with its position, which must be the last one sent.
    func replay(_ plan: ReplayPlan, source: String, store: any BackupStore, on node: String, task name: String) async throws -> BinlogReplayOutcome {
        let pipe = ChunkPipe()
        let access = self.access
        let replaying = Task { try await access.replayBinlog(node, from: pipe, timeout: .seconds(6 * 3600)) }
        let expected: UInt64?
        do {
            expected = try await Self.sendReplay(plan, source: source, store: store, into: pipe)
            await pipe.finish()
        } catch {
            await pipe.fail(error)
            if case .failure(let refusal) = await replaying.result, error is ChunkPipe.Closed { throw refusal }
            throw error
        }
        let outcome = try await replaying.value
        // Nothing after the backup comes before the target: the backup itself is the point.
        guard let expected else { return outcome }
        if case .sequence(let target) = plan.target, expected != target {
            throw RestoreRefused("transaction \(target) is not in the archive (the replay ended at \(expected)): a failed DDL takes a number and logs nothing; give the GTID of a transaction that committed", permanent: true)
        }
        guard outcome.lastSequence == expected || (outcome.applied == 0 && GTID.entry(of: BinaryLog.clusterDomain, inList: outcome.gtidPosition)?.sequence == expected) else {
            throw RestoreRefused("the replay on \(node) ended at \(outcome.gtidPosition), not at transaction \(expected)")
        }
        return outcome
    }

    /// Reads the plan's segments and sends what to replay: a binary log file whose transactions
    /// run from after `plan.start` to the target. Returns the last transaction sent.
    static func sendReplay(_ plan: ReplayPlan, source: String, store: any BackupStore, into pipe: ChunkPipe) async throws -> UInt64? {
        var last: UInt64?
        var headerSent = false
        for segment in plan.segments {
            let data = try await store.readSegment(cluster: source, history: plan.history, segment)
            var reader = BinlogReader(file: true)
            var batch: [BinlogReader.Transaction] = []
            var done = false
            for item in try reader.feed(data) {
                guard case .transaction(let transaction) = item, transaction.gtid.domain == BinaryLog.clusterDomain else { continue }
                let sequence = transaction.gtid.sequence
                guard sequence > plan.start, sequence > (last ?? 0) else { continue }
                switch plan.target {
                case .time(let seconds) where transaction.commitTime > seconds:
                    done = true
                case .sequence(let target) where sequence > target:
                    done = true
                default:
                    batch.append(transaction)
                    last = sequence
                }
                if done { break }
            }
            if let format = reader.formatDescription, !batch.isEmpty {
                let bytes = headerSent ? batch.flatMap(\.bytes) : ArchivedSegment.file(format: format, transactions: batch)
                headerSent = true
                try await pipe.send(Data(bytes))
            }
            if done { break }
        }
        if !headerSent {
            // Nothing to run: an empty log (the magic alone) still says so.
            try await pipe.send(Data(BinlogReader.magic))
        }
        return last
    }

    /// After a restore the cluster writes a new history (its next transactions take numbers the
    /// old one already has): recorded in the store and the state file, branching after `after`.
    func beginArchiveHistory(after: UInt64?, parent: String?) async {
        guard let store = configuration.backupStore else { return }
        let history = ArchiveHistory(id: Self.historyID(at: wallClock()), domain: BinaryLog.clusterDomain, parent: parent, branchedAfter: after)
        var recorded = true
        do {
            try await store.putHistory(cluster: configuration.clusterName, history)
        } catch {
            recorded = false
            logger.warning("cannot record the new archive history; it is recorded before its first segment", metadata: ["error": "\(error)"])
        }
        archive = BinlogArchiveState()
        archive.history = history
        archive.recorded = recorded
        archive.listed = true
        archive.last = after
        saveState()
        logger.notice("binary log archive: a new history after the restore", metadata: [
            "history": "\(history.id)", "parent": "\(parent ?? "none")", "after": "\(after.map(String.init) ?? "its start")"])
    }
}
