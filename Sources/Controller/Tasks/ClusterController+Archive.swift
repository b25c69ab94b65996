import AgentAPI
import Backup
import Binlog
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI
import NIOCore

/// What the archiver knows: the history it writes, how far the archive reaches, and from where
/// it reads now. The status shows it.
struct BinlogArchiveState {
    var history: ArchiveHistory?
    /// `history`'s record is in the store (a history from the state file is taken to be).
    var recorded = true
    /// The segments of `history` were listed since this controller started.
    var listed = false
    /// The newest transaction stored, its commit time, and the newest time everything logged
    /// before is stored (the segments' `through`, or a heartbeat while nothing waits).
    var last: UInt64?
    var lastCommit: UInt32?
    var through: UInt32?
    /// The node read from now (nil: none), and the last thing that went wrong.
    var node: String?
    var problem: String?
    /// The segments of `history` stored, as listed and as written since.
    var segments: [ArchivedSegment] = []
    /// The breaks in the archive after the oldest backup of `history`.
    var gaps: [ArchiveCoverage.Gap] = []
    /// The stream being read (nil between sessions).
    var stream: Stream?

    struct Stream {
        var reader = BinlogReader(file: false)
        var builder: SegmentBuilder
        var store: any BackupStore
        var history: ArchiveHistory
        var segmentSeconds: Int
        /// When the stream began: the builder's times count from here.
        var began: ContinuousClock.Instant
    }
}

/// The archiver ends its session: a restore took the nodes, or archiving was turned off.
struct StandingAside: Error {}

/// The archiver's node stopped or left the Primary component (Red or Unknown): its log stops at
/// what it applied, so the next session reads a node that is Synced.
struct ArchiverNodeLeft: Error, CustomStringConvertible {
    var node: String
    var state: NodeState
    var description: String { "\(node) is \(state.rawValue)" }
}

extension ClusterController {
    /// A session reads one node's log this long, then asks again (after the last transaction).
    static let archiveSessionSeconds = 600
    /// A segment closes at this size even before its time.
    static let segmentMaxBytes = 8 << 20

    /// Archives the binary log while `spec.backup.pitr` is on: one node's log at a time, into
    /// the backup store, in segments (docs/backup.md, "Point-in-time recovery"). Stands aside
    /// while a restore owns the nodes.
    func archiveLoop() async {
        var failures = 0
        while !Task.isCancelled {
            guard let seconds = desired.archiveSegmentSeconds, let store = configuration.backupStore,
                  restoreStep == nil, restoreStopped == nil, formedUUID != nil else {
                archive.node = nil
                try? await clock.sleep(for: .seconds(1))
                continue
            }
            do {
                try await archiveSession(store: store, segmentSeconds: seconds)
                failures = 0
            } catch is StandingAside {
                archive.node = nil
            } catch let left as ArchiverNodeLeft {
                logger.notice("binary log archive leaves \(left.node): it no longer serves", metadata: ["state": "\(left.state.rawValue)"])
                archive.node = nil
            } catch {
                if Task.isCancelled { break }
                failures += 1
                archive.problem = "\(error)"
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("binary log archiving interrupted; it goes on in a moment", metadata: [
                        "error": "\(error)", "node": "\(archive.node ?? "none")", "failures": "\(failures)"])
                }
                archive.node = nil
                try? await clock.sleep(for: .seconds(Double(min(failures, 10))))
            }
        }
    }

    /// The archive's current history: the state file's, or a new one (the first time the
    /// cluster is archived), recorded in the store before anything is written into it.
    func currentArchiveHistory(_ store: any BackupStore) async throws -> ArchiveHistory {
        if let history = archive.history {
            if !archive.recorded {
                try await store.putHistory(cluster: configuration.clusterName, history)
                archive.recorded = true
            }
            return history
        }
        let history = ArchiveHistory(id: Self.historyID(at: wallClock()), domain: BinaryLog.clusterDomain)
        try await store.putHistory(cluster: configuration.clusterName, history)
        archive.history = history
        archive.listed = true
        saveState()
        logger.notice("binary log archive begun", metadata: ["history": "\(history.id)"])
        return history
    }

    /// `20261207T051500Z`.
    static func historyID(at date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        // ISO 8601's basic format: no separators, so it is a valid name in every store.
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        return formatter.string(from: date)
    }

    /// One session: the first node that holds the archive's next transaction is read until
    /// its stream ends. When no node holds it any more, the archive goes on from the oldest
    /// log a node has, and the break becomes a gap (never hidden: `BinlogGap`).
    private func archiveSession(store: any BackupStore, segmentSeconds: Int) async throws {
        let history = try await currentArchiveHistory(store)
        if !archive.listed { try await refreshArchive(store, history) }
        let snapshot = await observe()
        // The highest ordinal first, as for backups: by convention the least loaded (clients
        // prefer the lowest). A backup's donor keeps being read: reading files costs it nothing.
        let synced = snapshot.nodes.filter { $0.state == .green && $0.agentReachable }.sorted { $0.ordinal > $1.ordinal }
        // The node read before first: a session that ended cleanly goes on where it was.
        let candidates = synced.filter { $0.name == archive.node } + synced.filter { $0.name != archive.node }
        guard !candidates.isEmpty else {
            throw ControllerError.refused(task: "archiving the binary log", why: "no node is Synced")
        }
        let after = archive.last ?? history.branchedAfter
        var refusals: [String] = []
        for node in candidates {
            do {
                try await stream(from: node.name, after: after, store: store, history: history, segmentSeconds: segmentSeconds)
                return
            } catch let failure as AgentClient.Failure where ["binlogGone", "binlogGap"].contains(failure.apiError?.code) {
                refusals.append("\(node.name): \(failure.apiError?.reason ?? "\(failure)")")
            }
        }
        guard let after else { throw ControllerError.refused(task: "archiving the binary log", why: refusals.joined(separator: "; ")) }
        logger.error("no node's binary log holds what came after the archive's last transaction: archiving goes on from the oldest log there is, and the archive has a gap", metadata: [
            "after": "\(after)", "refusals": "\(refusals.joined(separator: "; "))"])
        try await stream(from: candidates[0].name, after: nil, store: store, history: history, segmentSeconds: segmentSeconds)
    }

    private func stream(from node: String, after: UInt64?, store: any BackupStore, history: ArchiveHistory, segmentSeconds: Int) async throws {
        if archive.node != node {
            logger.notice("binary log archive reads from \(node)", metadata: ["after": "\(after.map(String.init) ?? "its oldest file")", "history": "\(history.id)"])
        }
        archive.node = node
        defer { archive.stream = nil }
        do {
            try await access.followBinlog(node, after: after, seconds: Self.archiveSessionSeconds, begin: { @Sendable previous in
                await self.archiveBegin(previous: previous, store: store, history: history, segmentSeconds: segmentSeconds)
            }) { @Sendable chunk in
                try await self.archiveReceive(chunk)
            }
        } catch {
            // What arrived whole is kept; the next session continues after it.
            try? await closeSegment()
            throw error
        }
        try await closeSegment()
    }

    private func archiveBegin(previous: UInt64, store: any BackupStore, history: ArchiveHistory, segmentSeconds: Int) {
        archive.stream = .init(builder: SegmentBuilder(previous: previous), store: store, history: history, segmentSeconds: segmentSeconds, began: clock.now)
        archive.problem = nil
        if let last = archive.last, previous != last {
            logger.warning("the archive continues after a gap", metadata: ["last": "\(last)", "resumesAfter": "\(previous)", "node": "\(archive.node ?? "")"])
        }
    }

    /// Whether a node's binary log has every write the cluster commits, so that its heartbeats
    /// ("nothing more until now") are true. Synced, or a donor (desynced for a backup or a
    /// joiner, it still applies and logs every write); also a Synced node Yellow for a moment
    /// (its report a view behind). Not a node that stopped, crashed, restarts (mysqld not
    /// answering yet), joins, or left the Primary component: it logs nothing new while the
    /// cluster moves on. Restarting mattered once members known dead were evicted at once: a
    /// killed archiver's node was Red for under a second before its restart began, no heartbeat
    /// fell in that moment, and the archive stayed on it while it restarted. Pure.
    static func logsEveryWrite(_ node: NodeStatus) -> Bool {
        switch node.state {
        case .green: true
        case .yellow: node.wsrepState == "Synced" || node.wsrepState?.hasPrefix("Donor") == true
        default: false
        }
    }

    /// Takes a piece of the stream; closes and stores the open segment when it is due.
    private func archiveReceive(_ chunk: ByteBuffer) async throws {
        // A restore owns the nodes now (the history being read ends here), or archiving was
        // turned off.
        guard restoreStep == nil, desired.archiveSegmentSeconds != nil else { throw StandingAside() }
        if let node = archive.node, let status = feed.latest?.nodes.first(where: { $0.name == node }), !Self.logsEveryWrite(status) {
            throw ArchiverNodeLeft(node: node, state: status.state)
        }
        guard var stream = archive.stream else { return }
        // Owned alone while fed: a copy left in `archive` would make each piece of a large
        // transaction copy everything received of it before.
        archive.stream = nil
        defer { archive.stream = stream }
        let elapsed = clock.now - stream.began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        for item in try stream.reader.feed(chunk.readableBytesView) {
            switch item {
            case .formatDescription(let event):
                stream.builder.format = event
            case .transaction(let transaction) where transaction.gtid.domain == stream.history.domain:
                stream.builder.add(transaction, now: seconds)
            case .heartbeat(let timestamp):
                stream.builder.heartbeat(timestamp)
                // Nothing waits: the archive reaches the heartbeat.
                if stream.builder.transactions.isEmpty { archive.through = max(archive.through ?? 0, timestamp) }
            case .transaction, .gtidList, .rotate:
                continue
            }
        }
        if stream.builder.due(now: seconds, seconds: Double(stream.segmentSeconds), maxBytes: Self.segmentMaxBytes) {
            try await closeSegment(&stream)
        }
    }

    /// Stores the open segment of the stream being read, if it holds anything.
    private func closeSegment() async throws {
        guard var stream = archive.stream else { return }
        archive.stream = nil
        defer { archive.stream = stream }
        try await closeSegment(&stream)
    }

    /// Stores `stream`'s open segment, if it holds anything.
    private func closeSegment(_ stream: inout BinlogArchiveState.Stream) async throws {
        guard let (segment, file) = stream.builder.close() else { return }
        try await stream.store.putSegment(cluster: configuration.clusterName, history: stream.history.id, segment, Data(file))
        archive.segments.append(segment)
        let joins = segment.previous == archive.last
        archive.last = segment.last
        archive.lastCommit = segment.lastCommit
        archive.through = max(archive.through ?? 0, segment.through)
        metrics.recordArchivedSegment(bytes: file.count, lagSeconds: wallClock().timeIntervalSince1970 - Double(segment.firstCommit))
        if !joins { updateArchiveGaps() }
    }

    /// Lists the history's segments: where the archive goes on, and its gaps after the oldest
    /// kept backup of the history.
    func refreshArchive(_ store: any BackupStore, _ history: ArchiveHistory) async throws {
        let segments = try await store.segments(cluster: configuration.clusterName, history: history.id)
        if let newest = segments.max(by: { $0.last < $1.last }) {
            archive.last = max(archive.last ?? 0, newest.last)
            archive.lastCommit = newest.lastCommit
            archive.through = max(archive.through ?? 0, segments.map(\.through).max() ?? 0)
        }
        archive.segments = segments
        archive.listed = true
        updateArchiveGaps()
    }

    /// Deletes the archived segments no kept backup needs (`ArchiveRetention`): after the
    /// backups' own retention, so the archive shrinks with them.
    func applyArchiveRetention(_ store: any BackupStore) async {
        let cluster = configuration.clusterName
        do {
            var segments: [String: [ArchivedSegment]] = [:]
            for history in try await store.histories(cluster: cluster) {
                segments[history.id] = try await store.segments(cluster: cluster, history: history.id)
            }
            let backups = data.catalog.compactMap { backup in backup.archiveHistory.flatMap { history in backup.archiveSequence.map { (history: history, sequence: $0) } } }
            let expired = ArchiveRetention.expired(segments: segments, backups: backups, current: archive.history?.id)
            for (history, segment) in expired {
                try await store.deleteSegment(cluster: cluster, history: history, segment)
            }
            if !expired.isEmpty {
                let removed = Set(expired.filter { $0.history == archive.history?.id }.map(\.segment))
                archive.segments.removeAll { removed.contains($0) }
                updateArchiveGaps()
                logger.notice("archived binary log no kept backup needs deleted", metadata: [
                    "segments": "\(expired.count)", "histories": "\(Set(expired.map(\.history)).sorted().joined(separator: ","))"])
            }
        } catch {
            logger.warning("cannot apply the binary log archive's retention; it is tried again after the next backup", metadata: ["error": "\(error)"])
        }
    }

    /// The store's list of the history's segments, replacing what was remembered (a segment
    /// deleted by hand is a gap from now on), with those stored meanwhile.
    func relistArchive(_ store: any BackupStore, _ history: ArchiveHistory) async throws {
        let stored = try await store.segments(cluster: configuration.clusterName, history: history.id)
        let reach = stored.map(\.last).max() ?? 0
        archive.segments = stored + archive.segments.filter { $0.last > reach }
    }

    /// The breaks after the oldest kept backup of the history (or where the history began).
    func updateArchiveGaps() {
        guard let history = archive.history else { return }
        let start = archiveBackups(history).map(\.sequence).min() ?? history.branchedAfter ?? 0
        archive.gaps = ArchiveCoverage(archive.segments).gaps(from: start)
    }
}

extension ClusterController {
    /// What every node must keep of its binary log, in the answer to each report: while the
    /// cluster is archived, every transaction after the archive's last one. Until the archive's
    /// reach is known (before its first listing, during a restore), nothing goes.
    public func binlogKeep() -> BinlogKeep {
        guard desired.archiveSegmentSeconds != nil, configuration.backupStore != nil else { return BinlogKeep(after: nil) }
        guard restoreStep == nil, restoreStopped == nil, let history = archive.history, archive.listed else { return BinlogKeep(after: 0) }
        return BinlogKeep(after: archive.last ?? history.branchedAfter ?? 0)
    }

    /// The newest transaction in the archive (nil: nothing archived yet): what a benchmark polls.
    public var archivedSequence: UInt64? { archive.last }

    /// Adds the archive's summary and, while it has a break, the `BinlogGap` condition.
    func decorateWithArchive(_ status: inout ClusterStatus) {
        let enabled = desired.archiveSegmentSeconds != nil
        metrics.recordArchive(enabled: enabled, through: archive.through, gaps: archive.gaps.count)
        guard enabled, let history = archive.history else { return }
        let now = wallClock()
        let lag = archive.through.map { now.timeIntervalSince1970 - Double($0) }
        let live = lag.flatMap(ArchiveSummary.lagClass) != nil ? archive.through : nil
        let windows = ArchiveCoverage(archive.segments).windows(backups: archiveBackups(history), liveThrough: live)
        status.archive = ArchiveSummary(
            history: history.id,
            windows: windows.enumerated().map { index, window in
                // The newest window, reaching to the live position, stays open.
                let open = index == windows.count - 1 && live != nil && window.to >= (live ?? 0)
                return .init(from: RecoveryTarget.format(window.from), to: open ? nil : RecoveryTarget.format(window.to))
            },
            node: archive.node, lagWithin: lag.flatMap(ArchiveSummary.lagClass),
            gaps: archive.gaps.isEmpty ? nil : archive.gaps.map(\.description), problem: archive.problem)
        let gap = archive.gaps.last
        status.conditions.append(ClusterStatusBuilder.condition(
            ConditionType.binlogGap, gap != nil, reason: gap == nil ? "Continuous" : "ArchiveGap",
            message: gap.map { "\($0); a restore to a point after it needs a backup taken after it" } ?? "the archive has no break after the oldest kept backup",
            previous: feed.latest, now: KubeTime.format(now)))
    }

    /// The kept backups of `history` a point-in-time restore can start from: each its sequence
    /// and the second it is consistent at.
    func archiveBackups(_ history: ArchiveHistory) -> [(sequence: UInt64, time: UInt32)] {
        data.catalog.filter { $0.archiveHistory == history.id }.compactMap { backup in
            backup.archiveSequence.map { ($0, UInt32(backup.finishedAt.timeIntervalSince1970)) }
        }
    }
}

extension BackupMetadata {
    /// The backup's sequence in the cluster's GTID domain: where a point-in-time restore from
    /// it starts replaying (nil: taken without binary logs).
    public var archiveSequence: UInt64? {
        gtidPosition.flatMap { GTID.entry(of: BinaryLog.clusterDomain, inList: $0)?.sequence }
    }
}
