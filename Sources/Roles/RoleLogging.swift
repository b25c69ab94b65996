import AgentAPI
import ArgumentParser
import Foundation
import Logging

/// How every role logs: plain text on a terminal (swift-log's stream handler), or one JSON object
/// a line for Kubernetes log pipelines (`--log-format json`).
enum RoleLogging {
    static func logger(label: String, level: String, format: AgentOptions.LogFormat) -> Logger {
        var logger = Logger(label: label) { label in
            switch format {
            case .text: StreamLogHandler.standardOutput(label: label)
            case .json: JSONLogHandler(label: label)
            }
        }
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}

/// One JSON object a line on stdout: `time`, `level`, `logger`, `message`, then the metadata as
/// strings. Lines are written with one `write(2)` each, so concurrent lines never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata { fields[key] = "\(value)" }
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["message"] = "\(event.message)"
        let line = Array(JSONLogLine.render(fields).utf8)
        line.withUnsafeBytes { bytes in _ = Foundation.write(STDOUT_FILENO, bytes.baseAddress, bytes.count) }
    }
}

extension AgentOptions.LogFormat: ExpressibleByArgument {}

/// `--log-level` and `--log-format`, shared by the controller and the operator (the agent has its
/// own, part of `AgentOptions`).
struct LogOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Log lines as text or json (one object a line, for log pipelines).")
    var logFormat: AgentOptions.LogFormat = .text

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func logger(label: String) -> Logger { RoleLogging.logger(label: label, level: logLevel, format: logFormat) }
}

/// `HOST:PORT` for a role's `--listen`; nil when it is not one.
func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
          (0...65535).contains(port), colon != text.startIndex else { return nil }
    return (String(text[..<colon]), port)
}
