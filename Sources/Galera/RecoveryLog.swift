/// Reads the log of `mysqld --wsrep-recover`: InnoDB's crash recovery ends with
/// `[Note] WSREP: Recovered position: UUID:SEQNO`, the position the node must rejoin from. With
/// `wsrep_gtid_mode` (the binary log's settings, `BinaryLog`) MariaDB appends the node's GTID:
/// `UUID:SEQNO,1-1-20` (measured on 10.11); the Galera position is what comes before the comma.
public enum RecoveryLog {
    static let marker = "WSREP: Recovered position:"

    /// The recovered position. All-zero:-1 (`isDefined == false`) means the datadir has no
    /// Galera history (a fresh or emptied datadir): the node can only join by full SST.
    ///
    /// Fails when recovery did not finish (no marker line: mysqld failed before it, and the last
    /// `[ERROR]` line usually says why), when the position is malformed, or when the marker line is
    /// the unterminated last line (the log was cut off while being written).
    public static func recoveredPosition(in text: String, source: String = "wsrep-recover log") throws(GaleraParseError) -> GaleraPosition {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let endsWithNewline = text.hasSuffix("\n")
        var found: (position: GaleraPosition, line: Int)?
        var lastError: Substring?
        for (index, line) in lines.enumerated() {
            if line.contains("[ERROR]") { lastError = line }
            guard let range = line.firstRange(of: marker) else { continue }
            let isLastUnterminated = index == lines.count - 1 && !endsWithNewline
            if isLastUnterminated {
                throw GaleraParseError(
                    source: source,
                    problem: "the recovered position line is cut off ('\(line)'): the log was truncated; run the recovery again",
                    line: index + 1)
            }
            let value = line[range.upperBound...].split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)[0]
            do throws(GaleraParseError) {
                found = (try GaleraPosition(parsing: value), index + 1)
            } catch {
                throw GaleraParseError(source: source, problem: "malformed recovered position: \(error.problem)", line: index + 1)
            }
        }
        if let found { return found.position }
        if text.trimmingWhitespace().isEmpty {
            throw GaleraParseError(source: source, problem: "is empty: mysqld --wsrep-recover wrote nothing (did it start at all?)")
        }
        var problem = "has no 'WSREP: Recovered position' line: recovery did not complete"
        if let lastError { problem += "; last error: \(lastError.trimmingWhitespace())" }
        throw GaleraParseError(source: source, problem: problem)
    }
}
