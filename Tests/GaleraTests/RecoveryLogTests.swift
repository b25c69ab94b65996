import Testing
@testable import Galera

@Suite("wsrep-recover log")
struct RecoveryLogTests {
    static let prefix = """
        2026-11-21 12:26:41 0 [Note] Starting MariaDB 10.11.19-MariaDB-0+deb12u1 as process 30234
        2026-11-21 12:26:41 0 [Note] InnoDB: Completed initialization of buffer pool
        2026-11-21 12:26:41 0 [Note] InnoDB: log sequence number 44894; transaction id 14

        """

    @Test("reads the recovered position")
    func recovered() throws {
        let log = Self.prefix + "2026-11-21 12:26:41 0 [Note] WSREP: Recovered position: d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:1234\n"
        let position = try RecoveryLog.recoveredPosition(in: log)
        #expect(position.uuid == "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1")
        #expect(position.seqno == 1234)
    }

    @Test("with wsrep_gtid_mode the recovered position carries the node's GTID after a comma: the Galera position is before it")
    func positionWithGTID() throws {
        let log = Self.prefix + "2026-12-07  5:40:19 0 [Note] WSREP: Recovered position: 9e3a5be2-f200-11f1-9e50-26760ea2f491:3,1-1-1\n"
        let position = try RecoveryLog.recoveredPosition(in: log)
        #expect(position.uuid == "9e3a5be2-f200-11f1-9e50-26760ea2f491" && position.seqno == 3)
    }

    @Test("an empty datadir recovers all-zero:-1, which is not a defined position")
    func emptyDatadir() throws {
        let log = Self.prefix + "2026-11-21 12:26:41 0 [Note] WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1\n"
        let position = try RecoveryLog.recoveredPosition(in: log)
        #expect(position.isZeroUUID)
        #expect(!position.isDefined)
    }

    @Test("the last recovered line wins")
    func lastWins() throws {
        let log = Self.prefix
            + "x [Note] WSREP: Recovered position: d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:5\n"
            + "x [Note] WSREP: Recovered position: d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:9\n"
        #expect(try RecoveryLog.recoveredPosition(in: log).seqno == 9)
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var log: String
        var message: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        .init(name: "empty log", log: "", message: "is empty"),
        .init(name: "mysqld failed before recovery", log: prefix
            + "2026-11-21 12:26:41 0 [ERROR] InnoDB: Unable to lock ./ibdata1 error: 11\n"
            + "2026-11-21 12:26:41 0 [ERROR] Aborting\n", message: "last error: 2026-11-21 12:26:41 0 [ERROR] Aborting"),
        .init(name: "no marker and no error", log: prefix, message: "recovery did not complete"),
        .init(name: "malformed position", log: prefix + "x [Note] WSREP: Recovered position: not-a-uuid:5\n", message: "malformed recovered position"),
        .init(name: "missing seqno", log: prefix + "x [Note] WSREP: Recovered position: d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1\n", message: "malformed recovered position"),
        .init(name: "log cut off inside the marker line", log: prefix + "x [Note] WSREP: Recovered position: d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:12", message: "cut off"),
    ]

    @Test("failure modes say why", arguments: failures)
    func failure(_ example: Failure) {
        #expect {
            try RecoveryLog.recoveredPosition(in: example.log, source: "/data/wsrep-recover.log")
        } throws: { error in
            (error as? GaleraParseError).map { $0.description.contains(example.message) && $0.source == "/data/wsrep-recover.log" } ?? false
        }
    }
}
