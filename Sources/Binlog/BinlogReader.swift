/// Cuts a binary log, given in pieces of any size, into whole transactions: the same code reads
/// a node's files (the agent), the stream it sends (the controller) and a stored segment (a
/// restore). Every event's CRC-32 is checked; a damaged or truncated log throws, never yields a
/// transaction it cannot vouch for.
public struct BinlogReader: Sendable {
    /// One transaction as the log holds it: its GTID, when its COMMIT was issued, and its
    /// events, byte for byte.
    public struct Transaction: Sendable, Hashable {
        public var gtid: GTID
        /// Seconds since the epoch of the event that ends it (the XID, or the statement itself
        /// for a DDL): what a restore to a time compares.
        public var commitTime: UInt32
        public var bytes: [UInt8]
    }

    /// What one piece of input gave.
    public enum Item: Sendable, Hashable {
        case transaction(Transaction)
        /// The format description a file begins with: what a stream of events sends first.
        case formatDescription(BinlogEvent)
        /// The GTID list at the start of a file: the log's state before it.
        case gtidList([GTID])
        /// The file ends here; the log goes on in the named file.
        case rotate(String)
        case heartbeat(UInt32)
    }

    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The format description in force (the first event of every file): its bytes begin every
    /// segment, and it says whether events carry checksums.
    public private(set) var formatDescription: BinlogEvent?
    public var checksummed: Bool { formatDescription?.formatDescriptionHasChecksums ?? false }
    /// Bytes consumed so far (the file offset when reading a file from its start).
    public private(set) var offset: Int = 0

    private var pending: [UInt8] = []
    private var expectsMagic: Bool
    private var open: (gtid: GTID, standalone: Bool, bytes: [UInt8], events: Int)?

    /// The four bytes every binary log file starts with.
    public static let magic: [UInt8] = [0xFE, 0x62, 0x69, 0x6E]
    /// Larger is no event: MariaDB's events are bounded by max_allowed_packet (1 GiB at most).
    static let largestEvent = 1 << 30

    /// Every event's CRC-32 is checked (unless the reader only passes the bytes on to one that
    /// checks them).
    private let verifies: Bool

    /// - Parameters:
    ///   - file: the input starts with the file magic (a file, a segment); false for a stream of
    ///     events.
    ///   - verifyingChecksums: false only where the bytes go on, unchanged, to a reader that
    ///     checks them (the agent's follower: the controller checks what it archives).
    public init(file: Bool, verifyingChecksums: Bool = true) {
        expectsMagic = file
        verifies = verifyingChecksums
    }

    /// Appends `bytes` and returns what became complete. An incomplete event or transaction
    /// waits for the next piece.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Malformed) -> [Item] {
        // Whole buffers at once: appending a collection byte by byte is what a debug build
        // spends its time on.
        if bytes.withContiguousStorageIfAvailable({ pending.append(contentsOf: $0) }) == nil { pending.append(contentsOf: bytes) }
        var items: [Item] = []
        var cursor = 0
        if expectsMagic {
            guard pending.count >= 4 else { return [] }
            guard Array(pending[0..<4]) == Self.magic else { throw Malformed(description: "not a binary log: it does not start with the magic bytes fe 62 69 6e") }
            expectsMagic = false
            cursor = 4
        }
        while pending.count - cursor >= BinlogEvent.headerSize {
            let size = Int(pending.uint32(at: cursor + 9))
            guard size >= BinlogEvent.headerSize, size <= Self.largestEvent else {
                throw Malformed(description: "event at byte \(offset + cursor) claims \(size) bytes: the log is damaged")
            }
            guard pending.count - cursor >= size else { break }
            let event = BinlogEvent(bytes: Array(pending[cursor..<(cursor + size)]))
            if let item = try take(event, at: offset + cursor) { items.append(item) }
            cursor += size
        }
        pending.removeFirst(cursor)
        offset += cursor
        return items
    }

    /// Bytes received but not yet part of a whole transaction (a transaction still being
    /// written, or the tail of a damaged log).
    public var unfinishedBytes: Int { pending.count + (open?.bytes.count ?? 0) }

    /// A statement that ends the transaction it is in (one written without an XID event).
    static func endsTransaction(_ statement: String) -> Bool {
        let text = statement.uppercased()
        return text == "COMMIT" || text == "ROLLBACK" || text.hasPrefix("XA COMMIT") || text.hasPrefix("XA ROLLBACK")
    }

    private mutating func take(_ event: BinlogEvent, at position: Int) throws(Malformed) -> Item? {
        if event.type == BinlogEvent.Kind.formatDescription {
            guard event.bytes.count >= BinlogEvent.headerSize + 5 else { throw Malformed(description: "format description at byte \(position) is truncated") }
            formatDescription = event
            open = nil
            return .formatDescription(event)
        }
        guard let format = formatDescription else {
            if event.type == BinlogEvent.Kind.heartbeat { return .heartbeat(event.timestamp) }
            throw Malformed(description: "event of type \(event.type) at byte \(position) comes before any format description")
        }
        let checksummed = format.formatDescriptionHasChecksums
        if checksummed, verifies, !event.checksumMatches {
            throw Malformed(description: "event of type \(event.type) at byte \(position) fails its CRC-32: the log is damaged")
        }
        switch event.type {
        case BinlogEvent.Kind.heartbeat:
            return .heartbeat(event.timestamp)
        case BinlogEvent.Kind.gtidList:
            return event.gtidList(checksummed: checksummed).map { .gtidList($0) }
        case BinlogEvent.Kind.rotate:
            // A rotate inside a transaction cannot be; what was open is dropped with it.
            open = nil
            return event.rotateTarget(checksummed: checksummed).map { .rotate($0) }
        case BinlogEvent.Kind.binlogCheckpoint, BinlogEvent.Kind.stop:
            return nil
        case BinlogEvent.Kind.gtid:
            guard let (gtid, standalone) = event.gtid(checksummed: checksummed) else {
                throw Malformed(description: "GTID event at byte \(position) is truncated")
            }
            // A transaction never ended (the server died writing it) is not one: dropped.
            open = (gtid, standalone, event.bytes, 1)
            return nil
        default:
            guard var current = open else { return nil }
            // Taken out while it grows: a copy left in `open` would make every event of a large
            // transaction copy all the bytes before it.
            open = nil
            current.bytes += event.bytes
            current.events += 1
            let ends = switch event.type {
            case BinlogEvent.Kind.xid, BinlogEvent.Kind.xaPrepare: true
            case BinlogEvent.Kind.query:
                current.standalone || Self.endsTransaction(event.queryText(checksummed: checksummed) ?? "")
            default: false
            }
            guard ends else {
                open = current
                return nil
            }
            open = nil
            return .transaction(Transaction(gtid: current.gtid, commitTime: event.timestamp, bytes: current.bytes))
        }
    }
}
