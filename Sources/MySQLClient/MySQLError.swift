/// A failure reported by libmariadb or the server, with the MySQL error number, so callers can tell
/// a lost quorum (1047) from a rolled-back commit (1180) from a dead server (2002/2013).
public struct MySQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The MySQL error number (`mysql_errno`); 0 for failures of this library itself.
    public var code: UInt32
    /// The SQLSTATE, e.g. "08S01"; empty when unknown.
    public var sqlState: String
    public var message: String
    /// What was being done, e.g. "connect to unix socket /n/run/mysqld.sock" or "query SELECT 1".
    public var operation: String

    public init(code: UInt32, sqlState: String = "", message: String, operation: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.operation = operation
    }

    public var description: String {
        "\(operation): MySQL error \(code)\(sqlState.isEmpty ? "" : " (\(sqlState))"): \(message)"
    }

    /// The node is not part of a Primary component: WSREP has not yet prepared node for application use.
    public static let nonPrimary: UInt32 = 1047
    /// A commit in flight failed and was rolled back (e.g. quorum lost during commit).
    public static let errorDuringCommit: UInt32 = 1180
    /// Certification conflict with a transaction from another node.
    public static let deadlock: UInt32 = 1213
    public static let cannotConnect: UInt32 = 2002
    public static let cannotConnectHost: UInt32 = 2003
    public static let serverGone: UInt32 = 2006
    public static let connectionLost: UInt32 = 2013

    /// The server is unreachable or the connection broke: the statement's outcome may be unknown
    /// (for a commit: it may or may not have been applied).
    public var isConnectionFailure: Bool {
        [Self.cannotConnect, Self.cannotConnectHost, Self.serverGone, Self.connectionLost].contains(code)
    }

    /// The server said no before doing anything: retrying on another node is safe.
    public var isNonPrimary: Bool { code == Self.nonPrimary }
}
