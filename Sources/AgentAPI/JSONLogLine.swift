import Foundation

/// One log line as a JSON object, for `--log-format json`: the roles' own lines (swift-log) and
/// the mysqld error-log entries the agent forwards look alike to a log pipeline.
public enum JSONLogLine {
    /// `fields` plus `time` (now, UTC, milliseconds), sorted keys, newline-terminated.
    public static func render(_ fields: [String: String], at date: Date = Date()) -> String {
        var fields = fields
        fields["time"] = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
