import Galera
import Testing
@testable import StateTransfer

/// What mysqld passes our method, and the first line the donor sends the joiner.
@Suite struct TransferProtocolTests {
    static let uuid = "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002"

    @Test func theJoinersArgumentsAsMariaDB1011GivesThem() throws {
        // sst_prepare_other's template, with a defaults file and mysqld's own arguments last.
        let arguments = try TransferArguments(parsing: [
            "--role", "joiner", "--address", "127.0.0.3:4444", "--datadir", "/var/lib/qmysql/demo-1/data",
            "--defaults-file", "/var/lib/qmysql/demo-1/data-run/my.cnf", "--parent", "4242", "--progress", "0",
            "--mysqld-args", "--defaults-file=/x/my.cnf", "--wsrep-new-cluster",
        ])
        #expect(arguments.role == .joiner)
        #expect(arguments.address == "127.0.0.3:4444")
        #expect(arguments.dataDirectory == "/var/lib/qmysql/demo-1/data")
        #expect(arguments.defaultsFile == "/var/lib/qmysql/demo-1/data-run/my.cnf")
        #expect(arguments.parent == 4242)
        #expect(!arguments.bypass && arguments.position == nil)
    }

    @Test func theDonorsArgumentsWithTheBypassForIST() throws {
        let arguments = try TransferArguments(parsing: [
            "--role", "donor", "--address", "127.0.0.3:4444/qmysql", "--local-port", "3306", "--socket", "/run/mysqld.sock",
            "--progress", "0", "--datadir", "/d", "--gtid", "\(Self.uuid):42", "--gtid-domain-id", "0", "--binlog", "x", "--bypass",
        ])
        #expect(arguments.role == .donor && arguments.bypass)
        #expect(arguments.position == (try GaleraPosition(parsing: "\(Self.uuid):42")))
        #expect(arguments.socket == "/run/mysqld.sock")
        #expect(try TransferArguments.endpoint(arguments.address) == ("127.0.0.3", 4444))
    }

    @Test func addressesMayCarryAModuleAUserOrBracketedIPv6() throws {
        #expect(try TransferArguments.endpoint("10.0.0.2:4444/qmysql") == ("10.0.0.2", 4444))
        #expect(try TransferArguments.endpoint("cn:secret@demo-1.demo-peers:4444/qmysql") == ("demo-1.demo-peers", 4444))
        #expect(try TransferArguments.endpoint("[fd00::2]:4444") == ("fd00::2", 4444))
        #expect(throws: TransferArguments.Problem.self) { try TransferArguments.endpoint("10.0.0.2") }
        #expect(throws: TransferArguments.Problem.self) { try TransferArguments.endpoint("10.0.0.2:99999") }
    }

    @Test func badArgumentsSayWhat() {
        #expect(throws: TransferArguments.Problem(description: "--role must be joiner or donor, not 'both'")) {
            try TransferArguments(parsing: ["--role", "both", "--address", "a:1", "--datadir", "/d"])
        }
        #expect(throws: TransferArguments.Problem(description: "the donor needs --gtid UUID:SEQNO")) {
            try TransferArguments(parsing: ["--role", "donor", "--address", "a:1", "--datadir", "/d"])
        }
        #expect(throws: TransferArguments.Problem(description: "--datadir must be an absolute path, not 'data'")) {
            try TransferArguments(parsing: ["--role", "joiner", "--address", "a:1", "--datadir", "data"])
        }
    }

    @Test func theHeaderRoundTripsAndRefusesWhatIsNotOurs() throws {
        let header = TransferHeader(kind: .sst, position: try GaleraPosition(parsing: "\(Self.uuid):42"), domainID: 0)
        #expect(header.line == "qmysql-sst 1 sst \(Self.uuid):42 0\n")
        #expect(try TransferHeader(parsing: String(header.line.dropLast())) == header)
        #expect(header.joinerResult == "\(Self.uuid):42 0")
        #expect(throws: TransferHeader.Problem.self) { try TransferHeader(parsing: "\u{1}xbstream garbage") }
        #expect(throws: TransferHeader.Problem(description: "the donor speaks version 2 of the qmysql transfer protocol, this joiner 1: run one qmysql version on every node")) {
            try TransferHeader(parsing: "qmysql-sst 2 sst \(Self.uuid):42 0")
        }
    }
}
