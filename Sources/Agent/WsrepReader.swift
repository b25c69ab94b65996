import Galera
import MySQLClient
import NIOPosix
import Synchronization

/// Reads live Galera status from the node's mysqld over the unix socket, keeping one connection
/// open between reads and dropping it on any error (the next read reconnects).
final class WsrepReader: Sendable {
    private let options: MySQLConnectionOptions
    private let threadPool: NIOThreadPool
    private let cached = Mutex<MySQLConnection?>(nil)

    init(configuration: AgentConfiguration, threadPool: NIOThreadPool) {
        self.options = MySQLConnectionOptions(
            endpoint: .unixSocket(path: configuration.socketPath), user: configuration.monitorUser,
            password: configuration.monitorPassword, connectTimeout: .seconds(2), readTimeout: .seconds(3),
            writeTimeout: .seconds(3))
        self.threadPool = threadPool
    }

    func read() async throws -> WsrepStatus {
        let result = try await withConnection { try await $0.query("SHOW GLOBAL STATUS LIKE 'wsrep_%'") }
        let rows = result.rows.compactMap { row -> (name: String, value: String?)? in
            guard row.count >= 2, let name = row[0] else { return nil }
            return (name, row[1])
        }
        return try WsrepStatus(rows: rows)
    }

    /// `@@gtid_binlog_pos`: the binary log's GTID list (empty before the first transaction).
    func gtidBinlogPosition() async throws -> String {
        let result = try await withConnection { try await $0.query("SELECT @@gtid_binlog_pos") }
        return result.rows.first?.first.flatMap { $0 } ?? ""
    }

    func rows(_ sql: String) async throws -> [[String?]] {
        try await withConnection { try await $0.query(sql) }.rows
    }

    func execute(_ sql: String) async throws {
        _ = try await withConnection { try await $0.execute(sql) }
    }

    /// Forgets the connection (mysqld exited).
    func reset() async {
        let connection = cached.withLock { cached in
            defer { cached = nil }
            return cached
        }
        await connection?.close()
    }

    private func withConnection<T: Sendable>(_ body: (MySQLConnection) async throws -> T) async throws -> T {
        let existing = cached.withLock { cached in
            defer { cached = nil }
            return cached
        }
        let connection: MySQLConnection
        if let existing {
            connection = existing
        } else {
            connection = try await MySQLConnection.connect(options, threadPool: threadPool)
        }
        do {
            let value = try await body(connection)
            let spare = cached.withLock { cached -> MySQLConnection? in
                if cached == nil {
                    cached = connection
                    return nil
                }
                return connection
            }
            await spare?.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }
}
