/// One stored piece of the archive: whole transactions of the cluster's GTID domain, in commit
/// order, as a binary log file of their own (the magic, the format description, the events).
///
/// Its name carries everything a restore plans with, so listing the archive is one listing and
/// no object is read to plan:
/// `FIRST-LAST-PREVIOUS-FIRSTCOMMIT-LASTCOMMIT-THROUGH.binlog`, sequences zero-padded to 20
/// digits (names sort as the history runs), times in seconds since the epoch.
///
/// `previous` is what proves continuity. Galera leaves holes in the sequence (a DDL that fails
/// everywhere takes a number and logs nothing; measured on 10.11), so `first == previous + 1`
/// cannot be asked. Instead a segment says which transaction came right before its first one
/// in the log it was read from: the one before in the same node's log, or the state a log file
/// begins with. Two segments join when one's `previous` is within what the other covers.
public struct ArchivedSegment: Sendable, Hashable, Codable, Comparable {
    /// The sequence of the transaction just before `first` (0: the history's start).
    public var previous: UInt64
    public var first: UInt64
    public var last: UInt64
    public var firstCommit: UInt32
    public var lastCommit: UInt32
    /// Every transaction the server logged before this time (its node's clock) is in this
    /// segment or an earlier one: when its reader was last at the end of the log.
    public var through: UInt32

    public init(previous: UInt64, first: UInt64, last: UInt64, firstCommit: UInt32, lastCommit: UInt32, through: UInt32) {
        self.previous = previous
        self.first = first
        self.last = last
        self.firstCommit = firstCommit
        self.lastCommit = lastCommit
        self.through = through
    }

    public static let suffix = ".binlog"

    public var name: String {
        [Self.pad(first), Self.pad(last), Self.pad(previous), "\(firstCommit)", "\(lastCommit)", "\(through)"].joined(separator: "-") + Self.suffix
    }

    /// The segment a stored name describes; nil for any other name.
    public init?(name: some StringProtocol) {
        guard name.hasSuffix(Self.suffix) else { return nil }
        let fields = name.dropLast(Self.suffix.count).split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 6, let first = UInt64(fields[0]), let last = UInt64(fields[1]), let previous = UInt64(fields[2]),
              let firstCommit = UInt32(fields[3]), let lastCommit = UInt32(fields[4]), let through = UInt32(fields[5]),
              previous < first, first <= last else { return nil }
        self.init(previous: previous, first: first, last: last, firstCommit: firstCommit, lastCommit: lastCommit, through: through)
    }

    static func pad(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    public static func < (left: ArchivedSegment, right: ArchivedSegment) -> Bool {
        (left.first, left.last, left.previous) < (right.first, right.last, right.previous)
    }

    /// A segment's file: the magic, `format` (the log's format description, its in-use flag
    /// cleared) and the transactions' events, so `mariadb-binlog` reads it like any log.
    public static func file(format: BinlogEvent, transactions: [BinlogReader.Transaction]) -> [UInt8] {
        let checksummed = format.formatDescriptionHasChecksums
        var bytes = BinlogReader.magic
        bytes += format.with(flags: format.flags & ~BinlogEvent.inUseFlag, checksummed: checksummed).bytes
        for transaction in transactions { bytes += transaction.bytes }
        return bytes
    }
}

/// Where a history of the archive begins: a cluster's first archive, or the one a restore
/// started (new writes after a restore reuse sequence numbers the old history already has).
public struct ArchiveHistory: Sendable, Hashable, Codable {
    /// `YYYYMMDDTHHMMSSZ` of its start, unique per cluster.
    public var id: String
    /// The GTID domain its transactions are in (`wsrep_gtid_domain_id`).
    public var domain: UInt32
    /// The history it continues, and the last transaction of that one it holds (a restore's
    /// target); nil for a cluster's first.
    public var parent: String?
    public var branchedAfter: UInt64?

    public init(id: String, domain: UInt32, parent: String? = nil, branchedAfter: UInt64? = nil) {
        self.id = id
        self.domain = domain
        self.parent = parent
        self.branchedAfter = branchedAfter
    }

    public static let recordName = "history.json"
}
