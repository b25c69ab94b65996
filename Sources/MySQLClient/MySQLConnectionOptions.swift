/// Where a server listens.
public enum MySQLEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unixSocket(path: String)

    public var description: String {
        switch self {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unixSocket(let path): "unix socket \(path)"
        }
    }
}

/// How to connect. Every network step has a timeout, so a stuck server never blocks a thread forever.
public struct MySQLConnectionOptions: Sendable, Hashable {
    public var endpoint: MySQLEndpoint
    public var user: String
    public var password: String?
    public var database: String?
    /// libmariadb counts whole seconds; values round up to at least 1 s.
    public var connectTimeout: Duration
    public var readTimeout: Duration
    public var writeTimeout: Duration
    /// TLS, required, with the server's certificate pinned: the SHA-1 fingerprint (hex) of the
    /// one certificate it must present. libmariadb checks a certificate's chain only together
    /// with its host name, and a cluster's nodes are reached by addresses their shared
    /// certificate does not name; pinning that certificate checks more than a chain would.
    /// (This libmariadb pins by SHA-1 only: forging a certificate with a given SHA-1 is a
    /// second preimage, which nobody can compute.) nil: plain TCP.
    public var pinnedCertificateSHA1: String?

    public init(
        endpoint: MySQLEndpoint, user: String, password: String? = nil, database: String? = nil,
        connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30), writeTimeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
    }
}

extension Duration {
    /// Whole seconds, rounded up, at least 1: the unit libmariadb's timeouts use.
    var wholeSecondsRoundedUp: UInt32 {
        let (seconds, attoseconds) = components
        let rounded = seconds + (attoseconds > 0 ? 1 : 0)
        return UInt32(clamping: max(1, rounded))
    }
}
