import Foundation

/// The command tree as argument-parser describes it (`--experimental-dump-help`): the one
/// source for man pages, the Markdown command reference and kubectl's plugin completion, so
/// none of them can drift from the commands themselves.
struct CommandReference: Decodable, Sendable {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var shouldDisplay: Bool?
    var subcommands: [CommandReference]?
    var arguments: [ArgumentReference]?

    struct ArgumentReference: Decodable, Sendable {
        enum Kind: String, Decodable, Sendable { case positional, option, flag }
        struct Name: Decodable, Sendable {
            var kind: String  // long, short, longWithSingleDash
            var name: String
            var spelled: String {
                switch kind {
                case "short": "-\(name)"
                case "longWithSingleDash": "-\(name)"
                default: "--\(name)"
                }
            }
        }
        var kind: Kind
        var shouldDisplay: Bool
        var isOptional: Bool
        var isRepeating: Bool
        var names: [Name]?
        var valueName: String?
        var defaultValue: String?
        var allValues: [String]?
        var abstract: String?
        var discussion: String?

        /// `-n, --namespace <namespace>`, `--yes`, or `<name>` for a positional.
        var synopsis: String {
            let value = valueName.map { "<\($0)>" } ?? ""
            switch kind {
            case .positional: return value.isEmpty ? "<value>" : value
            case .flag: return (names ?? []).map(\.spelled).joined(separator: ", ")
            case .option: return (names ?? []).map(\.spelled).joined(separator: ", ") + " " + value
            }
        }
    }

    private struct Envelope: Decodable { var command: CommandReference }

    /// Asks the executable at `path` for its own description.
    static func load(executable path: String) throws -> CommandReference {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--experimental-dump-help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("\(path) --experimental-dump-help exited with \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(Envelope.self, from: data).command
    }

    var visibleSubcommands: [CommandReference] {
        (subcommands ?? []).filter { $0.shouldDisplay ?? true }.filter { $0.commandName != "help" }
    }

    var visibleArguments: [ArgumentReference] {
        (arguments ?? []).filter(\.shouldDisplay).filter { argument in
            !(argument.names ?? []).contains { $0.name == "help" || $0.name == "h" }
        }
    }

    /// Every command with the path of names that leads to it, depth first.
    func walk(path: [String] = []) -> [(path: [String], command: CommandReference)] {
        let here = path + [commandName]
        return [(here, self)] + visibleSubcommands.flatMap { $0.walk(path: here) }
    }
}
