/// The contents of `grastate.dat`, the node's durable record of its place in the cluster history.
///
/// ```
/// # GALERA saved state
/// version: 2.1
/// uuid:    d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1
/// seqno:   -1
/// safe_to_bootstrap: 0
/// ```
/// `seqno` is -1 while mysqld runs and after a crash; a graceful shutdown writes the real value.
public struct GaleraState: Sendable, Hashable, Codable {
    public static let fileName = "grastate.dat"

    public var version: String
    public var position: GaleraPosition
    /// 1 only on the last node to leave after a clean shutdown of the whole cluster.
    public var safeToBootstrap: Bool

    public init(version: String = "2.1", position: GaleraPosition, safeToBootstrap: Bool) {
        self.version = version
        self.position = position
        self.safeToBootstrap = safeToBootstrap
    }

    /// The node shut down gracefully and recorded its seqno.
    public var isClean: Bool { position.seqno >= 0 }

    /// Parses the file's text. Comments (`#`) and blank lines are ignored, and so are keys this
    /// version does not know; a missing, repeated or malformed required field is an error, because
    /// a crash can leave the file empty, zero-filled or cut short, and guessing a position from
    /// such a file is how data is lost.
    public init(parsing text: String, source: String = GaleraState.fileName) throws(GaleraParseError) {
        func fail(_ problem: String, line: Int? = nil) -> GaleraParseError {
            GaleraParseError(source: source, problem: problem, line: line)
        }
        if text.unicodeScalars.contains("\0") {
            throw fail("contains NUL bytes: the file is corrupt (a crash while it was written?); recover the position with --wsrep-recover")
        }
        if text.trimmingWhitespace().isEmpty {
            throw fail("is empty: the file was truncated; recover the position with --wsrep-recover")
        }
        var fields: [String: (value: Substring, line: Int)] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw fail("'\(line)' is not a 'key: value' line", line: lineNumber)
            }
            let key = String(line[..<colon].trimmingWhitespace())
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            guard !key.isEmpty else { throw fail("'\(line)' has no key", line: lineNumber) }
            if fields[key] != nil { throw fail("'\(key)' appears twice", line: lineNumber) }
            fields[key] = (value, lineNumber)
        }
        func required(_ key: String) throws(GaleraParseError) -> (value: Substring, line: Int) {
            guard let field = fields[key] else {
                throw fail("no '\(key):' line: the file is incomplete (truncated?); recover the position with --wsrep-recover")
            }
            guard !field.value.isEmpty else { throw fail("'\(key):' has no value (truncated?)", line: field.line) }
            return field
        }
        let version = try required("version")
        let uuid = try required("uuid")
        let seqno = try required("seqno")
        guard let seqnoValue = Int64(seqno.value) else {
            throw fail("seqno '\(seqno.value)' is not a number", line: seqno.line)
        }
        guard seqnoValue >= -1 else { throw fail("seqno \(seqnoValue) is below -1", line: seqno.line) }
        let position: GaleraPosition
        do throws(GaleraParseError) {
            position = try GaleraPosition(uuid: String(uuid.value), seqno: seqnoValue)
        } catch {
            throw fail(error.problem, line: uuid.line)
        }
        // Galera 3 (version 2.0 and older) had no safe_to_bootstrap; from 2.1 on its absence means
        // the file was cut short.
        let safe: Bool
        if let field = fields["safe_to_bootstrap"] {
            switch field.value {
            case "0": safe = false
            case "1": safe = true
            default: throw fail("safe_to_bootstrap '\(field.value)' is neither 0 nor 1", line: field.line)
            }
        } else if Self.versionHasSafeToBootstrap(version.value) {
            throw fail("no 'safe_to_bootstrap:' line although version is \(version.value): the file is incomplete (truncated?)")
        } else {
            safe = false
        }
        self.init(version: String(version.value), position: position, safeToBootstrap: safe)
    }

    /// The file's text in the layout Galera writes.
    public func rendered() -> String {
        """
        # GALERA saved state
        version: \(version)
        uuid:    \(position.uuid)
        seqno:   \(position.seqno)
        safe_to_bootstrap: \(safeToBootstrap ? 1 : 0)

        """
    }

    static func versionHasSafeToBootstrap(_ version: Substring) -> Bool {
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        let major = parts.first ?? 0
        let minor = parts.count > 1 ? parts[1] : 0
        return (major, minor) >= (2, 1)
    }
}
