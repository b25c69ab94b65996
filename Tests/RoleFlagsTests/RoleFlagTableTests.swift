import RoleFlags
import Testing

/// The table's rules on a small options type: what is rendered, what is left out, how a command
/// line's values come back, and what a bad value says.
@Suite struct RoleFlagTableTests {
    enum Mode: String, CaseIterable { case fast, safe }

    struct Options: Equatable {
        var name = ""
        var port = 9809
        var file: String?
        var interval = Duration.seconds(5)
        var mode = Mode.safe
        var peers: [String] = []
        var items: [String] = []
        var recovery = true
        var paused = false
        var enabled = true
    }

    static var table: RoleFlagTable<Options> {
        RoleFlagTable(defaults: Options(), [
            .text("name", \.name, required: true, help: "The name."),
            .integer("port", \.port, help: "A port."),
            .text("file", \.file, help: "A file."),
            .seconds("interval", \.interval, help: "Seconds."),
            .choice("mode", \.mode, help: "The mode."),
            .commaList("peers", \.peers, valueName: "addresses", help: "Peers."),
            .repeated("item", \.items, valueName: "item", help: "Items.", format: { $0 }, parse: { $0 }),
            .presence("no-recovery", \.recovery, sets: false, help: "No recovery."),
            .presence("paused", \.paused, sets: true, help: "Paused."),
            .toggle("enabled", \.enabled, help: "Enabled."),
        ])
    }

    @Test func defaultsAreLeftOutAndRequiredFlagsAlwaysRendered() {
        #expect(Self.table.arguments(Options()) == ["--name", ""])
        #expect(Self.table.arguments(Options(name: "n0")) == ["--name", "n0"])
    }

    @Test func everyFormRendersInTableOrderAndReadsBackTheSame() throws {
        let options = Options(name: "n0", port: 1, file: "/f", interval: .milliseconds(2500), mode: .fast, peers: ["a", "b"],
                              items: ["x", "y"], recovery: false, paused: true, enabled: false)
        let arguments = Self.table.arguments(options)
        #expect(arguments == ["--name", "n0", "--port", "1", "--file", "/f", "--interval", "2.5", "--mode", "fast", "--peers", "a,b",
                              "--item", "x", "--item", "y", "--no-recovery", "--paused", "--no-enabled"])
        // What a parser hands back for those arguments, by name.
        let given: [String: [String]] = ["name": ["n0"], "port": ["1"], "file": ["/f"], "interval": ["2.5"], "mode": ["fast"],
                                         "peers": ["a,b"], "item": ["x", "y"], "no-recovery": ["true"], "paused": ["true"],
                                         "enabled": ["false"]]
        #expect(try Self.table.options(given: given) == options)
        #expect(try Self.table.options(given: ["name": ["n0"]]) == Options(name: "n0"))
    }

    @Test func aBadValueNamesTheFlagAndWhatItNeeds() {
        #expect(throws: RoleFlagProblem("--port 'x' is not a whole number")) { try Self.table.options(given: ["port": ["x"]]) }
        #expect(throws: RoleFlagProblem("--interval 'soon' is not a number of seconds, e.g. 2.5")) {
            try Self.table.options(given: ["interval": ["soon"]])
        }
        #expect(throws: RoleFlagProblem("--mode 'slow' is not one of fast, safe")) { try Self.table.options(given: ["mode": ["slow"]]) }
    }

    @Test func theGeneratedParserDeclaresEveryFlagAndHandsItBackByName() {
        let source = RoleFlagSource.render(Self.table, typeName: "TestFlags", source: "Options.table")
        #expect(source.contains("@Option(name: .customLong(\"name\"), help: ArgumentHelp(\"The name.\", valueName: \"text\"))\n    var name: String\n"))
        // Defaults are declared, so that help shows them; an absent optional value stays optional.
        #expect(source.contains("@Option(name: .customLong(\"port\"), help: ArgumentHelp(\"A port.\", valueName: \"n\"))\n    var port: String = \"9809\"\n"))
        #expect(source.contains("@Option(name: .customLong(\"file\"), help: ArgumentHelp(\"A file.\", valueName: \"text\"))\n    var file: String?\n"))
        #expect(source.contains("completion: .list([\"fast\", \"safe\"])"))
        #expect(source.contains("@Flag(name: .customLong(\"no-recovery\"), help: \"No recovery.\")\n    var noRecovery = false\n"))
        #expect(source.contains("@Flag(name: .customLong(\"enabled\"), inversion: .prefixedNo, help: \"Enabled.\")\n    var enabled = true\n"))
        #expect(source.contains("\"port\": [port],"))
        #expect(source.contains("\"file\": file.map { [$0] } ?? [],"))
        #expect(source.contains("\"item\": item,"))
        #expect(source.contains("\"no-recovery\": noRecovery ? [\"true\"] : [],"))
        #expect(source.contains("\"enabled\": [enabled ? \"true\" : \"false\"],"))
    }
}
