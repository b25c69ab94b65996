/// Gathers the transactions of a binary log stream into segments: when one is due (its first
/// transaction waited `seconds`, or it holds `maxBytes`) it is closed and a new one continues
/// from its last transaction. Pure: the caller gives the times.
public struct SegmentBuilder: Sendable {
    /// The transaction before the open segment's first.
    public private(set) var previous: UInt64
    /// The format description the stream's events are in.
    public var format: BinlogEvent?
    public private(set) var transactions: [BinlogReader.Transaction] = []
    public private(set) var bytes = 0
    /// The newest heartbeat: everything logged before it has been received.
    public private(set) var through: UInt32 = 0
    /// When (the caller's monotonic seconds) the open segment got its first transaction.
    public private(set) var openedAt: Double?

    public init(previous: UInt64) {
        self.previous = previous
    }

    public mutating func add(_ transaction: BinlogReader.Transaction, now: Double) {
        if transactions.isEmpty { openedAt = now }
        transactions.append(transaction)
        bytes += transaction.bytes.count
    }

    public mutating func heartbeat(_ timestamp: UInt32) {
        through = max(through, timestamp)
    }

    /// The newest transaction received (closed or not), or `previous`.
    public var last: UInt64 { transactions.last?.gtid.sequence ?? previous }

    public func due(now: Double, seconds: Double, maxBytes: Int) -> Bool {
        guard let openedAt else { return false }
        return now - openedAt >= seconds || bytes >= maxBytes
    }

    /// The open segment, closed: its record and its file (nil when it holds nothing). The next
    /// one continues after its last transaction.
    public mutating func close() -> (segment: ArchivedSegment, file: [UInt8])? {
        guard let format, let first = transactions.first, let last = transactions.last else { return nil }
        let segment = ArchivedSegment(
            previous: previous, first: first.gtid.sequence, last: last.gtid.sequence, firstCommit: first.commitTime,
            lastCommit: last.commitTime, through: max(through, last.commitTime))
        let file = ArchivedSegment.file(format: format, transactions: transactions)
        previous = last.gtid.sequence
        transactions = []
        bytes = 0
        openedAt = nil
        return (segment, file)
    }
}
