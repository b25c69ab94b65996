import Foundation

/// One event of a MariaDB binary log (format v4), raw: its 19-byte header read, its body kept as
/// bytes. Only what cutting the log into transactions needs is decoded (docs/backup.md,
/// "Point-in-time recovery"); the archive stores events exactly as the server wrote them.
public struct BinlogEvent: Sendable, Hashable {
    /// The whole event as written: header, body and (with checksums) the CRC-32.
    public var bytes: [UInt8]

    public static let headerSize = 19

    /// The event types this code acts on (MariaDB's `Log_event_type` numbers).
    public enum Kind {
        public static let query: UInt8 = 2
        public static let stop: UInt8 = 3
        public static let rotate: UInt8 = 4
        public static let formatDescription: UInt8 = 15
        public static let xid: UInt8 = 16
        public static let heartbeat: UInt8 = 27
        public static let xaPrepare: UInt8 = 38
        public static let binlogCheckpoint: UInt8 = 161
        public static let gtid: UInt8 = 162
        public static let gtidList: UInt8 = 163
    }

    /// The format description's "this file is being written" flag: a copy the server no longer
    /// writes must not carry it (mariadb-binlog would warn that it was not closed properly).
    public static let inUseFlag: UInt16 = 0x1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Seconds since the epoch when the statement began (for the event that ends a transaction:
    /// when its COMMIT was issued).
    public var timestamp: UInt32 { bytes.uint32(at: 0) }
    public var type: UInt8 { bytes[4] }
    public var serverID: UInt32 { bytes.uint32(at: 5) }
    public var size: Int { Int(bytes.uint32(at: 9)) }
    public var flags: UInt16 { UInt16(bytes[17]) | UInt16(bytes[18]) << 8 }

    /// The body without the header and, when the log has checksums, without the CRC.
    public func body(checksummed: Bool) -> ArraySlice<UInt8> {
        bytes[Self.headerSize..<(bytes.count - (checksummed ? 4 : 0))]
    }

    /// The CRC-32 the event ends with matches its other bytes.
    public var checksumMatches: Bool {
        guard bytes.count >= Self.headerSize + 4 else { return false }
        return CRC32.checksum(bytes[0..<(bytes.count - 4)]) == bytes.uint32(at: bytes.count - 4)
    }

    /// This event with `flags` and, when `checksummed`, its CRC-32 recomputed.
    public func with(flags: UInt16, checksummed: Bool) -> BinlogEvent {
        var copy = bytes
        copy[17] = UInt8(flags & 0xFF)
        copy[18] = UInt8(flags >> 8)
        if checksummed { copy.replaceUInt32(at: copy.count - 4, with: CRC32.checksum(copy[0..<(copy.count - 4)])) }
        return BinlogEvent(bytes: copy)
    }

    /// A heartbeat (the replication protocol's type 27, no body): what a follower sends while the
    /// log is idle, so the reader knows the stream is alive and may close a segment on time.
    public static func heartbeat(at timestamp: UInt32, checksummed: Bool) -> BinlogEvent {
        var bytes = [UInt8](repeating: 0, count: headerSize + (checksummed ? 4 : 0))
        bytes.replaceUInt32(at: 0, with: timestamp)
        bytes[4] = Kind.heartbeat
        bytes.replaceUInt32(at: 9, with: UInt32(bytes.count))
        if checksummed { bytes.replaceUInt32(at: bytes.count - 4, with: CRC32.checksum(bytes[0..<(bytes.count - 4)])) }
        return BinlogEvent(bytes: bytes)
    }

    // MARK: Bodies

    /// A format description's checksum algorithm: true for CRC-32. The byte sits just before
    /// the event's own 4 checksum bytes, which a format description always carries.
    public var formatDescriptionHasChecksums: Bool {
        bytes.count >= Self.headerSize + 5 && bytes[bytes.count - 5] == 1
    }

    /// A GTID event's transaction: its GTID and whether it stands alone (DDL, one event, no
    /// COMMIT of its own).
    public func gtid(checksummed: Bool) -> (gtid: GTID, standalone: Bool)? {
        let body = Array(body(checksummed: checksummed))
        guard type == Kind.gtid, body.count >= 13 else { return nil }
        return (GTID(domain: body.uint32(at: 8), server: serverID, sequence: body.uint64(at: 0)), body[12] & 1 == 1)
    }

    /// A GTID list event's entries: the log's state where the file begins.
    public func gtidList(checksummed: Bool) -> [GTID]? {
        let body = Array(body(checksummed: checksummed))
        guard type == Kind.gtidList, body.count >= 4 else { return nil }
        let count = Int(body.uint32(at: 0) & 0x0FFF_FFFF)
        guard body.count >= 4 + count * 16 else { return nil }
        return (0..<count).map { index in
            let offset = 4 + index * 16
            return GTID(domain: body.uint32(at: offset), server: body.uint32(at: offset + 4), sequence: body.uint64(at: offset + 8))
        }
    }

    /// A query event's statement text (COMMIT and ROLLBACK end a transaction written without XID).
    public func queryText(checksummed: Bool) -> String? {
        let body = Array(body(checksummed: checksummed))
        // thread id (4), exec time (4), schema length (1), error code (2), status length (2).
        guard type == Kind.query, body.count >= 13 else { return nil }
        let schemaLength = Int(body[8])
        let statusLength = Int(body[11]) | Int(body[12]) << 8
        let start = 13 + statusLength + schemaLength + 1
        guard start <= body.count else { return nil }
        return String(decoding: body[start...], as: UTF8.self)
    }

    /// A rotate event's next file name.
    public func rotateTarget(checksummed: Bool) -> String? {
        let body = Array(body(checksummed: checksummed))
        guard type == Kind.rotate, body.count >= 8 else { return nil }
        return String(decoding: body[8...], as: UTF8.self)
    }
}

/// A MariaDB global transaction id, `DOMAIN-SERVER-SEQUENCE`. With `wsrep_gtid_mode` every node
/// gives a Galera transaction the same one, so positions compare across nodes.
public struct GTID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var domain: UInt32
    public var server: UInt32
    public var sequence: UInt64

    public init(domain: UInt32, server: UInt32, sequence: UInt64) {
        self.domain = domain
        self.server = server
        self.sequence = sequence
    }

    /// `0-1-1234`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let domain = UInt32(parts[0]), let server = UInt32(parts[1]), let sequence = UInt64(parts[2]) else { return nil }
        self.init(domain: domain, server: server, sequence: sequence)
    }

    public var description: String { "\(domain)-\(server)-\(sequence)" }

    /// The entry of `domain` in a GTID list such as `@@gtid_binlog_pos` (`1-1-20,101-1-3`).
    public static func entry(of domain: UInt32, inList list: String) -> GTID? {
        list.split(separator: ",").compactMap { GTID($0) }.first { $0.domain == domain }
    }
}

extension Array where Element == UInt8 {
    func uint32(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }

    func uint64(at offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * UInt64($1)) }
    }

    mutating func replaceUInt32(at offset: Int, with value: UInt32) {
        for index in 0..<4 { self[offset + index] = UInt8((value >> (8 * UInt32(index))) & 0xFF) }
    }
}
