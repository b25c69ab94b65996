import AgentAPI
import Galera
import MySQLClient
import NIOPosix
import RoleNetwork

/// The controller's own look at one node's mysqld: `SHOW GLOBAL STATUS LIKE 'wsrep_%'` as the
/// monitor user. Keeps one connection open between probes and reconnects after any failure.
actor SQLProbe {
    /// The node it probes (a changed address makes a new probe).
    nonisolated let endpoint: NodeEndpoint
    private let options: MySQLConnectionOptions
    private let threadPool: NIOThreadPool
    private var connection: MySQLConnection?
    /// The pin `connection` was made with.
    private var connectionPin: String?

    init(endpoint: NodeEndpoint, user: String, password: String, timeout: Duration, threadPool: NIOThreadPool) {
        self.endpoint = endpoint
        options = MySQLConnectionOptions(
            endpoint: .tcp(host: endpoint.sqlHost, port: endpoint.sqlPort), user: user, password: password,
            connectTimeout: timeout, readTimeout: timeout, writeTimeout: timeout)
        self.threadPool = threadPool
    }

    /// The options with the host resolved now, through the host table where there is one.
    private func resolvedOptions() -> MySQLConnectionOptions {
        guard case .tcp(let host, let port) = options.endpoint else { return options }
        var resolved = options
        resolved.endpoint = .tcp(host: HostTable.resolve(host), port: port)
        return resolved
    }

    /// - Parameter pins: TLS, with the server's certificate pinned to one of these SHA-1
    ///   fingerprints, tried in order (empty: plain TCP). A connection made with a pin no longer
    ///   accepted, or of the other kind, is closed and made anew.
    func probe(pins: [String]) async throws -> WsrepStatus {
        if connection != nil, pins.isEmpty ? connectionPin != nil : !pins.contains(connectionPin ?? "") { await close() }
        let connection: MySQLConnection
        if let open = self.connection {
            connection = open
        } else {
            (connection, connectionPin) = try await connect(pins: pins)
            self.connection = connection
        }
        do {
            let result = try await connection.query("SHOW GLOBAL STATUS LIKE 'wsrep_%'")
            let rows = result.rows.compactMap { row -> (name: String, value: String?)? in
                guard row.count >= 2, let name = row[0] else { return nil }
                return (name, row[1])
            }
            return try WsrepStatus(rows: rows, source: "SHOW GLOBAL STATUS on \(options.endpoint)")
        } catch {
            self.connection = nil
            await connection.close()
            throw error
        }
    }

    /// A new connection with the first pin the server's certificate matches. Only a refused
    /// handshake (CR_SSL_CONNECTION_ERROR) tries the next pin: a node that does not answer
    /// costs one timeout, not one per pin.
    private func connect(pins: [String]) async throws -> (MySQLConnection, String?) {
        var options = resolvedOptions()
        for pin in pins.dropLast() {
            options.pinnedCertificateSHA1 = pin
            do {
                return (try await MySQLConnection.connect(options, threadPool: threadPool), pin)
            } catch let error as MySQLError where error.code == Self.sslConnectionError {
                continue
            }
        }
        options.pinnedCertificateSHA1 = pins.last
        return (try await MySQLConnection.connect(options, threadPool: threadPool), pins.last)
    }

    /// libmariadb's CR_SSL_CONNECTION_ERROR: the handshake failed (a fingerprint that does not match among others).
    static let sslConnectionError: UInt32 = 2026

    func close() async {
        await connection?.close()
        connection = nil
    }
}
