import Binlog
import Foundation
import Testing

/// The binary log's pieces without a server: events made here byte for byte as MariaDB 10.11
/// writes them (the Galera scenario reads real ones), the archive's names, its coverage and
/// plans, and the replay's rewriting.
@Suite("binary log archive")
struct BinlogTests {
    /// An event: header, body, CRC-32.
    static func event(_ type: UInt8, _ body: [UInt8], timestamp: UInt32 = 1_796_619_005, server: UInt32 = 1, flags: UInt16 = 0) -> [UInt8] {
        var bytes = le32(timestamp) + [type] + le32(server) + le32(UInt32(19 + body.count + 4)) + le32(0) + [UInt8(flags & 0xFF), UInt8(flags >> 8)]
        bytes += body
        return bytes + le32(CRC32.checksum(bytes))
    }

    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xFF) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) } }

    /// A format description with CRC-32 checksums, marked in use.
    static let format = event(BinlogEvent.Kind.formatDescription, [4, 0] + [UInt8](repeating: 0x41, count: 50) + le32(0) + [19] + [UInt8](repeating: 0, count: 8) + [1], flags: 1)

    static func gtid(_ sequence: UInt64, domain: UInt32 = 1, standalone: Bool = false) -> [UInt8] {
        event(BinlogEvent.Kind.gtid, le64(sequence) + le32(domain) + [standalone ? 1 : 0] + [0, 0, 0, 0, 0, 0])
    }

    static func query(_ text: String, at timestamp: UInt32 = 1_796_619_005) -> [UInt8] {
        // thread id, exec time, schema length 3, error code, no status variables; "app" and its NUL.
        event(BinlogEvent.Kind.query, le32(10) + le32(0) + [3] + [0, 0] + [0, 0] + Array("app".utf8) + [0] + Array(text.utf8), timestamp: timestamp)
    }

    static func xid(at timestamp: UInt32) -> [UInt8] { event(BinlogEvent.Kind.xid, le64(42), timestamp: timestamp) }
    static func rows() -> [UInt8] { event(23, [UInt8](repeating: 7, count: 30)) }

    /// A transaction of one row event, committed at `time`.
    static func transaction(_ sequence: UInt64, at time: UInt32, domain: UInt32 = 1) -> [UInt8] {
        gtid(sequence, domain: domain) + query("BEGIN") + rows() + xid(at: time)
    }

    @Test("a file read a byte at a time gives whole transactions only, with their GTIDs and commit times; DDL stands alone; COMMIT ends one without XID")
    func readsTransactions() throws {
        let file = BinlogReader.magic + Self.format
            + Self.event(BinlogEvent.Kind.gtidList, Self.le32(1) + Self.le32(1) + Self.le32(1) + Self.le64(6))
            + Self.transaction(7, at: 100)
            + Self.gtid(11, standalone: true) + Self.query("CREATE TABLE t (id INT)", at: 101)
            + Self.gtid(12) + Self.query("BEGIN") + Self.rows() + Self.query("COMMIT", at: 102)
            + Self.gtid(13) + Self.query("BEGIN")
        var reader = BinlogReader(file: true)
        var items: [BinlogReader.Item] = []
        for byte in file { items += try reader.feed([byte]) }
        let transactions = items.compactMap { item -> BinlogReader.Transaction? in
            if case .transaction(let transaction) = item { transaction } else { nil }
        }
        #expect(transactions.map(\.gtid.description) == ["1-1-7", "1-1-11", "1-1-12"])
        #expect(transactions.map(\.commitTime) == [100, 101, 102])
        #expect(items.contains(.gtidList([GTID(domain: 1, server: 1, sequence: 6)])))
        #expect(reader.checksummed)
        #expect(reader.unfinishedBytes > 0, "transaction 13 has no end yet")
    }

    @Test("a flipped byte fails the event's CRC-32; a file without the magic is refused")
    func damage() {
        var file = BinlogReader.magic + Self.format + Self.transaction(7, at: 100)
        file[file.count - 10] ^= 0x01
        var reader = BinlogReader(file: true)
        #expect(throws: BinlogReader.Malformed.self) { try reader.feed(file) }
        var notALog = BinlogReader(file: true)
        #expect(throws: BinlogReader.Malformed.self) { try notALog.feed(Array("hello world".utf8)) }
    }

    @Test("a segment's file is a log of its own: the magic, the format description without its in-use flag, the transactions")
    func segmentFile() throws {
        var builder = SegmentBuilder(previous: 6)
        var reader = BinlogReader(file: false)
        for item in try reader.feed(Self.format + Self.transaction(7, at: 100) + Self.transaction(9, at: 103)) {
            switch item {
            case .formatDescription(let event): builder.format = event
            case .transaction(let transaction): builder.add(transaction, now: 0)
            default: break
            }
        }
        builder.heartbeat(105)
        #expect(!builder.due(now: 0.5, seconds: 1, maxBytes: 1 << 20) && builder.due(now: 1, seconds: 1, maxBytes: 1 << 20))
        let closed = builder.close()
        let (segment, file) = try #require(closed)
        #expect(segment == ArchivedSegment(previous: 6, first: 7, last: 9, firstCommit: 100, lastCommit: 103, through: 105))
        #expect(builder.previous == 9 && builder.transactions.isEmpty && builder.close() == nil, "the next segment goes on after 9")
        var again = BinlogReader(file: true)
        let items = try again.feed(file)
        guard case .formatDescription(let format) = items.first else { Issue.record("no format description first"); return }
        #expect(format.flags & BinlogEvent.inUseFlag == 0 && format.checksumMatches)
        #expect(items.count == 3 && again.unfinishedBytes == 0)
    }

    @Test("a segment's name holds its record, sorts by sequence, and nothing else parses as one")
    func names() {
        let segment = ArchivedSegment(previous: 6, first: 7, last: 9, firstCommit: 100, lastCommit: 103, through: 105)
        #expect(segment.name == "00000000000000000007-00000000000000000009-00000000000000000006-100-103-105.binlog")
        #expect(ArchivedSegment(name: segment.name) == segment)
        for bad in ["history.json", "7-9-6-100-103.binlog", "9-7-6-100-103-105.binlog", "7-9-7-100-103-105.binlog", "x-9-6-100-103-105.binlog"] {
            #expect(ArchivedSegment(name: bad) == nil, "\(bad)")
        }
        let later = ArchivedSegment(previous: 9, first: 11, last: 11, firstCommit: 104, lastCommit: 104, through: 110)
        #expect([later.name, segment.name].sorted() == [segment.name, later.name])
    }

    static func segment(_ previous: UInt64, _ first: UInt64, _ last: UInt64, _ firstCommit: UInt32, _ lastCommit: UInt32, through: UInt32? = nil) -> ArchivedSegment {
        ArchivedSegment(previous: previous, first: first, last: last, firstCommit: firstCommit, lastCommit: lastCommit, through: through ?? lastCommit)
    }

    @Test("continuity follows each segment's predecessor, not sequence numbers (Galera leaves holes); overlaps join; a missing segment is a gap")
    func coverage() {
        // 10 → 11..20, then 20 → 24..30 (21–23 were failed DDL: no gap), an overlap 25 → 26..32,
        // then the segment after 32 is missing and 40 → 41..50 resumes.
        let segments = [Self.segment(10, 11, 20, 100, 110), Self.segment(20, 24, 30, 111, 120), Self.segment(25, 26, 32, 115, 125),
                        Self.segment(40, 41, 50, 140, 150)]
        let coverage = ArchiveCoverage(segments)
        let (run, gap) = coverage.run(from: 10)
        #expect(run.map(\.last) == [20, 30, 32])
        #expect(gap == ArchiveCoverage.Gap(after: 32, afterTime: 125, resumesAfter: 40, before: 41, beforeTime: 140))
        #expect(coverage.gaps(from: 10).count == 1 && coverage.gaps(from: 40).isEmpty)
        #expect(coverage.run(from: 15).segments.first?.first == 11, "a backup inside a segment starts with it")
        #expect(coverage.gaps(from: 5).first?.after == 5, "what came right after the backup is not archived")
    }

    @Test("a plan reaches a GTID or a second without a break, and refuses with the gap named, a point not archived yet, or a point before the backup")
    func plans() throws {
        let coverage = ArchiveCoverage([Self.segment(10, 11, 20, 100, 110, through: 112), Self.segment(20, 24, 30, 113, 120, through: 125),
                                        Self.segment(40, 41, 50, 140, 150)])
        #expect(try coverage.plan(from: 10, startTime: 99, to: .sequence(24)).map(\.last) == [20, 30])
        #expect(try coverage.plan(from: 10, startTime: 99, to: .time(105)).map(\.last) == [20], "the segment holding the first later commit ends it")
        #expect(try coverage.plan(from: 10, startTime: 99, to: .time(124)).map(\.last) == [20, 30], "through 125 covers 124")
        #expect(throws: ArchiveCoverage.Refusal.self) { try coverage.plan(from: 10, startTime: 99, to: .time(126)) }
        let recent = ArchiveCoverage([Self.segment(10, 11, 20, 100, 110, through: 112)])
        #expect(try recent.plan(from: 10, startTime: 99, to: .time(130), liveThrough: 131).map(\.name) == [Self.segment(10, 11, 20, 100, 110, through: 112).name],
                "the archiver's word extends the newest segment's reach; the segments read are the stored ones")
        #expect(throws: ArchiveCoverage.Refusal.self) { try recent.plan(from: 10, startTime: 99, to: .time(132), liveThrough: 131) }
        do {
            _ = try coverage.plan(from: 10, startTime: 99, to: .sequence(45))
            Issue.record("a plan across the gap was made")
        } catch {
            guard case .gap(let gap) = error else { Issue.record("\(error)"); return }
            #expect(gap.after == 30 && gap.before == 41)
            #expect(error.description.contains("after 30") && error.description.contains("up to 41"), "\(error)")
        }
        #expect(throws: ArchiveCoverage.Refusal.self) { try coverage.plan(from: 40, startTime: 139, to: .sequence(60)) }
        #expect(throws: ArchiveCoverage.Refusal.self) { try coverage.plan(from: 40, startTime: 139, to: .time(100)) }
        #expect(throws: ArchiveCoverage.Refusal.self) { try coverage.plan(from: 40, startTime: 139, to: .sequence(30)) }
    }

    @Test("the recoverable windows: from each backup to where its run breaks, merged; the live position extends the newest")
    func windows() {
        let coverage = ArchiveCoverage([Self.segment(10, 11, 20, 100, 110, through: 112), Self.segment(40, 41, 50, 140, 150, through: 151)])
        #expect(coverage.windows(backups: [(10, 95), (15, 105)]) == [.init(from: 95, to: 112)])
        #expect(coverage.windows(backups: [(10, 95), (40, 139)], liveThrough: 200) == [.init(from: 95, to: 112), .init(from: 139, to: 200)])
        #expect(coverage.windows(backups: []).isEmpty)
    }

    @Test("the replay keeps every GTID: gtid_seq_no becomes wsrep_gtid_seq_no, server_id is dropped, the rest untouched")
    func replayScript() {
        #expect(ReplayScript.rewrite("/*M!100001 SET @@session.gtid_seq_no=1234*//*!*/;") == "SET @@session.wsrep_gtid_seq_no=1234/*!*/;")
        #expect(ReplayScript.rewrite("/*M!100001 SET @@session.server_id=1*//*!*/;") == nil)
        #expect(ReplayScript.rewrite("/*!100001 SET @@SESSION.SERVER_ID=@@GLOBAL.SERVER_ID */;") == nil)
        for line in ["/*M!100001 SET @@session.gtid_domain_id=1*//*!*/;", "BINLOG '", "INSERT INTO t VALUES ('/*M!100001 SET @@session.server_id=1*/')",
                     "/*M!100001 SET @@session.gtid_seq_no=12x*//*!*/;"] {
            #expect(ReplayScript.rewrite(Substring(line)) == Substring(line), "\(line)")
        }
    }

    @Test("targets print as RFC 3339 and GTIDs parse")
    func formats() {
        #expect(RecoveryTarget.format(1_796_619_005) == "2026-12-07T04:50:05Z")
        #expect(RecoveryTarget.format(0) == "1970-01-01T00:00:00Z")
        #expect(GTID("1-1-20")?.sequence == 20 && GTID("1-1") == nil && GTID("a-1-2") == nil)
        #expect(GTID.entry(of: 1, inList: "101-1-3,1-1-20")?.sequence == 20)
        #expect(GTID.entry(of: 1, inList: "") == nil)
    }
}

extension BinlogTests {
    @Test("retention: a history keeps what comes after its oldest kept backup; an old history without one goes; the current one waits for its first")
    func retention() {
        let old = [Self.segment(0, 1, 10, 100, 110), Self.segment(10, 11, 20, 111, 120)]
        let kept = [Self.segment(0, 1, 5, 200, 205), Self.segment(5, 6, 9, 206, 209), Self.segment(9, 10, 12, 210, 212)]
        let current = [Self.segment(12, 13, 15, 300, 305)]
        let expired = ArchiveRetention.expired(
            segments: ["h1": old, "h2": kept, "h3": current], backups: [(history: "h2", sequence: 7), (history: "h2", sequence: 11)], current: "h3")
        #expect(expired.map { "\($0.history):\($0.segment.last)" } == ["h1:10", "h1:20", "h2:5"],
                "the segment holding the backup's position (6–9 for 7) is kept: its transactions after 7 are replayed")
        #expect(ArchiveRetention.expired(segments: ["h3": current], backups: [], current: "h3").isEmpty)
    }

    @Test("a node's files go oldest first once old enough and, while archived, only those the archive holds; the file being written and an unreadable one stay")
    func nodePurge() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day: TimeInterval = 86_400
        func file(_ number: Int, start: UInt64?, age: TimeInterval) -> LogPurge.File {
            .init(name: "binlog.00000\(number)", startState: start, modified: now - age)
        }
        // Files 1-3 hold transactions 1-10, 11-20 and 21-30; 4 is being written.
        let files = [file(1, start: 0, age: 3 * day), file(2, start: 10, age: 2 * day), file(3, start: 20, age: 2 * day), file(4, start: 30, age: 0)]
        // Not archived: age alone; the file being written never goes, however old.
        #expect(LogPurge.decide(files: files, keepingAfter: nil, retention: day, now: now) == .init(purgeTo: "binlog.000004", purged: 3, heldBack: nil))
        #expect(LogPurge.decide(files: files.map { var old = $0; old.modified = now - 9 * day; return old }, keepingAfter: nil, retention: day, now: now).purged == 3)
        #expect(LogPurge.decide(files: files, keepingAfter: nil, retention: 2.5 * day, now: now) == .init(purgeTo: "binlog.000002", purged: 1, heldBack: nil))
        // Archived through 20: file 3's transactions wait, though old enough.
        #expect(LogPurge.decide(files: files, keepingAfter: 20, retention: day, now: now) == .init(purgeTo: "binlog.000003", purged: 2, heldBack: "binlog.000003"))
        // Through 19: file 2 holds 20, so only file 1 goes.
        #expect(LogPurge.decide(files: files, keepingAfter: 19, retention: day, now: now) == .init(purgeTo: "binlog.000002", purged: 1, heldBack: "binlog.000002"))
        // Nothing archived yet: everything stays.
        #expect(LogPurge.decide(files: files, keepingAfter: 0, retention: day, now: now) == .init(purgeTo: nil, purged: 0, heldBack: "binlog.000001"))
        // A file with no transaction of the domain (10 before and after) goes once 10 is archived.
        let empty = [file(1, start: 10, age: 2 * day), file(2, start: 10, age: 0)]
        #expect(LogPurge.decide(files: empty, keepingAfter: 10, retention: day, now: now).purged == 1)
        // An unreadable start keeps the file before it and everything after, under a hold.
        let unreadable = [file(1, start: 0, age: 2 * day), file(2, start: nil, age: 2 * day), file(3, start: 30, age: 0)]
        #expect(LogPurge.decide(files: unreadable, keepingAfter: 100, retention: day, now: now) == .init(purgeTo: nil, purged: 0, heldBack: "binlog.000001"))
        // Young files stay, even archived; an only file stays.
        #expect(LogPurge.decide(files: files, keepingAfter: 100, retention: 10 * day, now: now).purgeTo == nil)
        #expect(LogPurge.decide(files: [file(1, start: 0, age: 9 * day)], keepingAfter: nil, retention: day, now: now).purgeTo == nil)
    }
}
