/// How `mariadb-binlog`'s SQL is changed before a Galera node runs it, line by line.
///
/// Measured on MariaDB 10.11 with `wsrep_gtid_mode=ON`: a node refuses `SET
/// @@session.server_id` (error 1231, whatever the value) and ignores `SET
/// @@session.gtid_seq_no`, numbering every transaction from its own counter. Galera leaves
/// holes in the sequence (failed DDL), so that counter would renumber the replayed history.
/// `SET @@session.wsrep_gtid_seq_no` is honoured: each replayed transaction keeps its GTID, the
/// restored cluster continues the archived history number for number, and a replay cut short
/// resumes after the node's own position.
public enum ReplayScript {
    /// The line to run instead of `line` (nil: drop it).
    public static func rewrite(_ line: Substring) -> Substring? {
        guard line.hasPrefix("/*") else { return line }
        if line.hasPrefix(serverIDPrefix) || line.hasPrefix(serverIDRestore) { return nil }
        if line.hasPrefix(sequencePrefix), line.hasSuffix(sequenceSuffix) {
            let number = line.dropFirst(sequencePrefix.count).dropLast(sequenceSuffix.count)
            guard !number.isEmpty, number.allSatisfy(\.isNumber) else { return line }
            return Substring("\(transactionMark)\(number)/*!*/;")
        }
        return line
    }

    /// How every transaction's rewritten GTID line begins: what a replay counts.
    public static let transactionMark = "SET @@session.wsrep_gtid_seq_no="

    static let serverIDPrefix = "/*M!100001 SET @@session.server_id="
    static let serverIDRestore = "/*!100001 SET @@SESSION.SERVER_ID=@@GLOBAL.SERVER_ID"
    static let sequencePrefix = "/*M!100001 SET @@session.gtid_seq_no="
    static let sequenceSuffix = "*//*!*/;"
}
