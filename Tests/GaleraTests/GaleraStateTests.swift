import Testing
@testable import Galera

@Suite("grastate.dat")
struct GaleraStateTests {
    static let uuid = "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1"

    struct Good: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var seqno: Int64
        var safe: Bool
        var testDescription: String { name }
    }

    static let good: [Good] = [
        .init(name: "clean shutdown", text: """
            # GALERA saved state
            version: 2.1
            uuid:    \(uuid)
            seqno:   1234
            safe_to_bootstrap: 1

            """, seqno: 1234, safe: true),
        .init(name: "running or crashed", text: """
            # GALERA saved state
            version: 2.1
            uuid:    \(uuid)
            seqno:   -1
            safe_to_bootstrap: 0

            """, seqno: -1, safe: false),
        .init(name: "comments, blank lines, upper-case uuid, unknown key, no final newline", text: """

            # GALERA saved state
            # edited by hand
            version: 2.1

            uuid: \(uuid.uppercased())
            seqno: 7
            future_key: whatever
            safe_to_bootstrap: 0
            """, seqno: 7, safe: false),
        .init(name: "Galera 3 file without safe_to_bootstrap", text: """
            # GALERA saved state
            version: 2.0
            uuid:    \(uuid)
            seqno:   5

            """, seqno: 5, safe: false),
    ]

    @Test("parses", arguments: good)
    func parses(_ example: Good) throws {
        let state = try GaleraState(parsing: example.text)
        #expect(state.position.uuid == Self.uuid)
        #expect(state.position.seqno == example.seqno)
        #expect(state.safeToBootstrap == example.safe)
        #expect(state.isClean == (example.seqno >= 0))
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        /// A fragment the error message must contain, so the operator learns what is wrong.
        var message: String
        var line: Int?
        var testDescription: String { name }
    }

    static let full = """
        # GALERA saved state
        version: 2.1
        uuid:    \(uuid)
        seqno:   1234
        safe_to_bootstrap: 1

        """

    static let bad: [Bad] = [
        .init(name: "empty file", text: "", message: "is empty"),
        .init(name: "only whitespace", text: "\n \n", message: "is empty"),
        .init(name: "zero-filled after a crash", text: String(repeating: "\0", count: 64), message: "NUL bytes"),
        .init(name: "truncated after the header", text: "# GALERA saved state\nversion: 2.1\n", message: "no 'uuid:' line"),
        .init(name: "truncated after uuid", text: String(full.prefix(80)), message: "no 'seqno:' line"),
        .init(name: "truncated in the middle of seqno's line", text: "# GALERA saved state\nversion: 2.1\nuuid:    \(uuid)\nseqno:   12", message: "no 'safe_to_bootstrap:' line"),
        .init(name: "truncated uuid", text: "# GALERA saved state\nversion: 2.1\nuuid:    d2d801e7-e5a6-11f1\nseqno: 1\nsafe_to_bootstrap: 0\n", message: "is not a UUID", line: 3),
        .init(name: "seqno not a number", text: "version: 2.1\nuuid: \(uuid)\nseqno: twelve\nsafe_to_bootstrap: 0\n", message: "seqno 'twelve' is not a number", line: 3),
        .init(name: "seqno below -1", text: "version: 2.1\nuuid: \(uuid)\nseqno: -5\nsafe_to_bootstrap: 0\n", message: "below -1", line: 3),
        .init(name: "safe_to_bootstrap not a flag", text: "version: 2.1\nuuid: \(uuid)\nseqno: 3\nsafe_to_bootstrap: yes\n", message: "neither 0 nor 1", line: 4),
        .init(name: "garbage line", text: "version: 2.1\nuuid: \(uuid)\n%%%garbage\nseqno: 3\nsafe_to_bootstrap: 0\n", message: "not a 'key: value' line", line: 3),
        .init(name: "duplicate seqno", text: "version: 2.1\nuuid: \(uuid)\nseqno: 3\nseqno: 4\nsafe_to_bootstrap: 0\n", message: "appears twice", line: 4),
        .init(name: "empty seqno value", text: "version: 2.1\nuuid: \(uuid)\nseqno:\nsafe_to_bootstrap: 0\n", message: "has no value", line: 3),
        .init(name: "no version line", text: "uuid: \(uuid)\nseqno: 3\nsafe_to_bootstrap: 0\n", message: "no 'version:' line"),
    ]

    @Test("rejects corrupt and truncated files", arguments: bad)
    func rejects(_ example: Bad) {
        #expect {
            try GaleraState(parsing: example.text, source: "/data/grastate.dat")
        } throws: { error in
            guard let error = error as? GaleraParseError else { return false }
            return error.description.contains(example.message) && error.line == example.line
                && error.source == "/data/grastate.dat"
        }
    }

    @Test("rendering round-trips")
    func roundTrip() throws {
        let state = GaleraState(position: try GaleraPosition(uuid: Self.uuid, seqno: 42), safeToBootstrap: true)
        #expect(try GaleraState(parsing: state.rendered()) == state)
        #expect(state.rendered().hasPrefix("# GALERA saved state\nversion: 2.1\n"))
    }
}

@Suite("UUID:SEQNO positions")
struct GaleraPositionTests {
    @Test("parses and normalises")
    func parses() throws {
        let position = try GaleraPosition(parsing: " D2D801E7-E5A6-11F1-9AFC-6B810CCBD5F1:17 ")
        #expect(position.uuid == "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1")
        #expect(position.seqno == 17)
        #expect(position.description == "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:17")
        #expect(position.isDefined)
    }

    @Test("all-zero and -1 are not defined positions", arguments: [
        ("00000000-0000-0000-0000-000000000000:-1", true, false),
        ("00000000-0000-0000-0000-000000000000:0", true, false),
        ("d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:-1", false, false),
        ("d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:0", false, true),
    ])
    func zero(text: String, zeroUUID: Bool, defined: Bool) throws {
        let position = try GaleraPosition(parsing: text)
        #expect(position.isZeroUUID == zeroUUID)
        #expect(position.isDefined == defined)
    }

    @Test("rejects malformed positions", arguments: [
        "", "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1", "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:", ":5",
        "d2d801e7-e5a6-11f1-9afc-6b810ccbd5fz:5", "d2d801e7e5a611f19afc6b810ccbd5f1:5",
        "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:1x", "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1:-2",
    ])
    func rejects(text: String) {
        #expect(throws: GaleraParseError.self) { try GaleraPosition(parsing: text) }
    }
}
