import Foundation

/// A restore's target: the last transaction to keep.
public enum RecoveryTarget: Sendable, Hashable, CustomStringConvertible {
    /// Up to the last commit at or before this second (seconds since the epoch). As
    /// mariadb-binlog's `--stop-datetime`, the first transaction committed later ends the
    /// replay: what is kept is always a prefix of the history.
    case time(UInt32)
    /// Up to and including the transaction with this sequence number.
    case sequence(UInt64)

    public var description: String {
        switch self {
        case .time(let seconds): "the last commit at or before \(RecoveryTarget.format(seconds))"
        case .sequence(let sequence): "transaction \(sequence)"
        }
    }

    /// `2026-12-05T10:00:00Z`.
    public static func format(_ seconds: UInt32) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// Where the archive of one history is unbroken, and where it breaks. Pure: every answer comes
/// from the segments' names.
public struct ArchiveCoverage: Sendable, Hashable {
    /// Sorted by first sequence.
    public let segments: [ArchivedSegment]

    /// A break: no segment holds what came after `after` (last sequence held) up to `before`
    /// (the first sequence archived again, whose predecessor is `resumesAfter`).
    public struct Gap: Sendable, Hashable, CustomStringConvertible {
        public var after: UInt64
        public var afterTime: UInt32
        public var resumesAfter: UInt64
        public var before: UInt64
        public var beforeTime: UInt32

        public init(after: UInt64, afterTime: UInt32, resumesAfter: UInt64, before: UInt64, beforeTime: UInt32) {
            self.after = after
            self.afterTime = afterTime
            self.resumesAfter = resumesAfter
            self.before = before
            self.beforeTime = beforeTime
        }

        public var description: String {
            "transactions after \(after) (committed by \(RecoveryTarget.format(afterTime))) up to \(before) (committed \(RecoveryTarget.format(beforeTime))) are not in the archive"
        }
    }

    /// The same, by predecessor: how a run finds what joins.
    private let byPrevious: [ArchivedSegment]

    public init(_ segments: [ArchivedSegment]) {
        self.segments = segments.sorted()
        byPrevious = segments.sorted { ($0.previous, $0.first) < ($1.previous, $1.first) }
    }

    /// A stretch of time any second of which a restore can reach: from a backup's time to
    /// where the archive from it breaks or ends.
    public struct Window: Sendable, Hashable {
        public var from: UInt32
        public var to: UInt32

        public init(from: UInt32, to: UInt32) {
            self.from = from
            self.to = to
        }
    }

    /// The windows that `backups` (each its sequence and the second it is consistent at) open,
    /// merged where they overlap, oldest first. `liveThrough` extends a run that reaches the
    /// archive's newest transaction (the archiver is caught up with the log).
    public func windows(backups: [(sequence: UInt64, time: UInt32)], liveThrough: UInt32? = nil) -> [Window] {
        let newest = segments.map(\.last).max() ?? 0
        var windows: [Window] = []
        for backup in backups {
            let run = run(from: backup.sequence).segments
            let covered = run.last?.last ?? backup.sequence
            var reach = run.map(\.through).max() ?? backup.time
            if covered >= newest, let liveThrough { reach = max(reach, liveThrough) }
            guard reach >= backup.time else { continue }
            windows.append(Window(from: backup.time, to: reach))
        }
        var merged: [Window] = []
        for window in windows.sorted(by: { $0.from < $1.from }) {
            if let last = merged.last, window.from <= last.to {
                merged[merged.count - 1].to = max(last.to, window.to)
            } else {
                merged.append(window)
            }
        }
        return merged
    }

    /// The segments that continue from `start` (a sequence whose transaction is held, or 0 for
    /// the history's start) without a break, in order, each adding to what the one before
    /// covered; and the gap that ends the run, if another segment lies beyond it.
    public func run(from start: UInt64) -> (segments: [ArchivedSegment], gap: Gap?) {
        var covered = start
        var coveredTime: UInt32 = 0
        var chosen: [ArchivedSegment] = []
        var index = 0
        while true {
            // Of those that join (their predecessor is held), the one reaching furthest; the
            // others that join are within it.
            var best: ArchivedSegment?
            while index < byPrevious.count, byPrevious[index].previous <= covered {
                let candidate = byPrevious[index]
                if candidate.last > covered, candidate.last > best?.last ?? 0 { best = candidate }
                index += 1
            }
            guard let next = best else { break }
            chosen.append(next)
            covered = next.last
            coveredTime = next.lastCommit
        }
        guard let beyond = segments.filter({ $0.last > covered }).min(by: { $0.previous < $1.previous }) else { return (chosen, nil) }
        return (chosen, Gap(after: covered, afterTime: coveredTime, resumesAfter: beyond.previous, before: beyond.first, beforeTime: beyond.firstCommit))
    }

    /// Every break after `start`.
    public func gaps(from start: UInt64) -> [Gap] {
        var gaps: [Gap] = []
        var position = start
        while true {
            let (_, gap) = run(from: position)
            guard let gap else { return gaps }
            gaps.append(gap)
            position = gap.resumesAfter
        }
    }

    /// The newest time every transaction before which is archived, from `start` on without a
    /// break (nil: nothing after `start` is archived).
    public func through(from start: UInt64) -> UInt32? {
        run(from: start).segments.map(\.through).max()
    }

    /// The segments a restore from a backup at `start` replays to reach `target`, or why it
    /// cannot: a gap before the target is named, and so is a target the archive does not
    /// reach yet. `liveThrough` is the archiver's own word that nothing was logged after the
    /// newest segment until then (it is caught up): it extends a run that reaches that segment.
    public func plan(from start: UInt64, startTime: UInt32, to target: RecoveryTarget, liveThrough: UInt32? = nil) throws(Refusal) -> [ArchivedSegment] {
        let (run, gap) = run(from: start)
        switch target {
        case .sequence(let sequence):
            guard sequence >= start else { throw .beforeBackup("transaction \(sequence) is before the backup's position (\(start)); choose an older backup") }
            guard let end = run.firstIndex(where: { $0.last >= sequence }) else {
                if let gap, gap.before <= sequence || gap.resumesAfter < sequence { throw .gap(gap) }
                throw .notArchived("transaction \(sequence) is not archived yet: the archive holds up to \(run.last?.last ?? start)")
            }
            return Array(run[...end])
        case .time(let seconds):
            guard seconds >= startTime else { throw .beforeBackup("\(RecoveryTarget.format(seconds)) is before the backup was taken (\(RecoveryTarget.format(startTime))); choose an older backup") }
            // Replay stops at the first commit after the target: the segments up to the one
            // holding it, or all of them when the archive covers the target without one.
            if let end = run.firstIndex(where: { $0.lastCommit > seconds }) { return Array(run[...end]) }
            let newest = segments.map(\.last).max() ?? start
            let live = (run.last?.last ?? start) >= newest ? liveThrough : nil
            guard let through = [run.map(\.through).max(), live].compactMap({ $0 }).max(), through >= seconds else {
                if let gap { throw .gap(gap) }
                let reach = run.map(\.through).max().map(RecoveryTarget.format) ?? "nothing after the backup"
                throw .notArchived("\(RecoveryTarget.format(seconds)) is not archived yet: the archive reaches \(reach)")
            }
            return run
        }
    }

    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case gap(Gap)
        case notArchived(String)
        case beforeBackup(String)

        public var description: String {
            switch self {
            case .gap(let gap): "the archive has a gap before the target: \(gap); restore to a point before \(RecoveryTarget.format(gap.afterTime)) (transaction \(gap.after)), or from a backup taken after the gap"
            case .notArchived(let text), .beforeBackup(let text): text
            }
        }
    }
}

/// Which archived segments no kept backup needs any more: a point-in-time restore starts from a
/// backup and replays what came after it in the backup's history, so a history's segments that
/// end at or before its oldest kept backup are never read again, nor are the segments of an
/// older history no kept backup was taken in. The current history keeps everything until it
/// has a backup of its own (a restore to a point in it needs one).
public enum ArchiveRetention {
    public static func expired(segments: [String: [ArchivedSegment]], backups: [(history: String, sequence: UInt64)], current: String?) -> [(history: String, segment: ArchivedSegment)] {
        var expired: [(history: String, segment: ArchivedSegment)] = []
        for (history, list) in segments.sorted(by: { $0.key < $1.key }) {
            let oldest = backups.filter { $0.history == history }.map(\.sequence).min()
            switch oldest {
            case .some(let sequence):
                expired += list.filter { $0.last <= sequence }.map { (history, $0) }
            case .none where history != current:
                expired += list.map { (history, $0) }
            case .none:
                continue
            }
        }
        return expired
    }
}
