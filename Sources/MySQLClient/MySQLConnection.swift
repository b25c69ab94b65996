import CMariaDB
import NIOCore
import NIOPosix
import Synchronization

/// One connection to a MySQL/MariaDB server through libmariadb.
///
/// libmariadb blocks, so every call runs on a bounded `NIOThreadPool`, never on Swift's cooperative
/// pool. The C handle is guarded by a mutex, so calls from several tasks are serialised: a
/// connection is safe to share, but runs one statement at a time (use one per concurrent task).
public final class MySQLConnection: Sendable {
    private struct Handle: @unchecked Sendable {
        let raw: UnsafeMutablePointer<MYSQL>
    }

    private let handle: Mutex<Handle?>
    private let threadPool: NIOThreadPool
    /// Where this connection goes, for error messages.
    public let endpoint: MySQLEndpoint

    private init(handle: Handle, threadPool: NIOThreadPool, endpoint: MySQLEndpoint) {
        self.handle = Mutex(handle)
        self.threadPool = threadPool
        self.endpoint = endpoint
    }

    deinit {
        // A connection dropped without close() still sends COM_QUIT, bounded by the write timeout.
        handle.withLock { handle in
            if let raw = handle?.raw { mysql_close(raw) }
            handle = nil
        }
    }

    /// Connects, with the connect, read and write timeouts set before the first byte goes out.
    public static func connect(
        _ options: MySQLConnectionOptions, threadPool: NIOThreadPool = .singleton
    ) async throws -> MySQLConnection {
        let operation = "connect to \(options.endpoint) as \(options.user)"
        let handle = try await threadPool.runIfActive { () throws -> Handle in
            _ = MySQLLibrary.initialized
            guard let raw = mysql_init(nil) else {
                throw MySQLError(code: 0, message: "mysql_init failed: out of memory", operation: operation)
            }
            var connectTimeout = options.connectTimeout.wholeSecondsRoundedUp
            var readTimeout = options.readTimeout.wholeSecondsRoundedUp
            var writeTimeout = options.writeTimeout.wholeSecondsRoundedUp
            mysql_options(raw, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
            mysql_options(raw, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
            mysql_options(raw, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout)
            if let pin = options.pinnedCertificateSHA1 {
                var enforce: my_bool = 1
                mysql_options(raw, MYSQL_OPT_SSL_ENFORCE, &enforce)
                _ = pin.withCString { mysql_options(raw, MARIADB_OPT_TLS_PEER_FP, $0) }
            }
            var connected: UnsafeMutablePointer<MYSQL>?
            switch options.endpoint {
            case .tcp(let host, let port):
                var protocolTCP = MYSQL_PROTOCOL_TCP.rawValue
                mysql_options(raw, MYSQL_OPT_PROTOCOL, &protocolTCP)
                connected = mysql_real_connect(
                    raw, host, options.user, options.password, options.database, UInt32(port), nil, 0)
            case .unixSocket(let path):
                var protocolSocket = MYSQL_PROTOCOL_SOCKET.rawValue
                mysql_options(raw, MYSQL_OPT_PROTOCOL, &protocolSocket)
                connected = mysql_real_connect(
                    raw, "localhost", options.user, options.password, options.database, 0, path, 0)
            }
            guard connected != nil else {
                let error = Self.lastError(raw, operation: operation)
                mysql_close(raw)
                throw error
            }
            return Handle(raw: raw)
        }
        return MySQLConnection(handle: handle, threadPool: threadPool, endpoint: options.endpoint)
    }

    /// Runs a statement that returns rows (SELECT, SHOW ...).
    public func query(_ sql: String) async throws -> MySQLResultSet {
        let operation = "query \(Self.abbreviated(sql)) on \(endpoint)"
        return try await withHandle(operation: operation) { raw in
            try Self.send(raw, sql, operation: operation)
            guard let result = mysql_store_result(raw) else {
                if mysql_field_count(raw) == 0 { return MySQLResultSet(columns: [], rows: []) }
                throw Self.lastError(raw, operation: operation)
            }
            defer { mysql_free_result(result) }
            let fieldCount = Int(mysql_num_fields(result))
            var columns: [String] = []
            if let fields = mysql_fetch_fields(result) {
                for index in 0..<fieldCount { columns.append(String(cString: fields[index].name)) }
            }
            var rows: [[String?]] = []
            while let row = mysql_fetch_row(result) {
                let lengths = mysql_fetch_lengths(result)
                var values: [String?] = []
                values.reserveCapacity(fieldCount)
                for index in 0..<fieldCount {
                    guard let bytes = row[index] else {
                        values.append(nil)
                        continue
                    }
                    let length = Int(lengths?[index] ?? UInt(strlen(bytes)))
                    let buffer = UnsafeRawBufferPointer(start: bytes, count: length)
                    values.append(String(decoding: buffer, as: UTF8.self))
                }
                rows.append(values)
            }
            // mysql_fetch_row returns NULL on the end and on a read error: tell them apart.
            if mysql_errno(raw) != 0 { throw Self.lastError(raw, operation: operation) }
            return MySQLResultSet(columns: columns, rows: rows)
        }
    }

    /// Runs a statement without a result set (INSERT, SET, CREATE ...).
    @discardableResult
    public func execute(_ sql: String) async throws -> MySQLExecuteResult {
        let operation = "execute \(Self.abbreviated(sql)) on \(endpoint)"
        return try await withHandle(operation: operation) { raw in
            try Self.send(raw, sql, operation: operation)
            if let result = mysql_store_result(raw) { mysql_free_result(result) }
            if mysql_errno(raw) != 0 { throw Self.lastError(raw, operation: operation) }
            return MySQLExecuteResult(affectedRows: UInt64(mysql_affected_rows(raw)), lastInsertID: UInt64(mysql_insert_id(raw)))
        }
    }

    /// Closes the connection. Later calls fail; closing twice is harmless.
    public func close() async {
        let taken = handle.withLock { handle -> Handle? in
            defer { handle = nil }
            return handle
        }
        guard let taken else { return }
        _ = try? await threadPool.runIfActive { mysql_close(taken.raw) }
    }

    private func withHandle<T: Sendable>(
        operation: String, _ body: @escaping @Sendable (UnsafeMutablePointer<MYSQL>) throws -> T
    ) async throws -> T {
        try await threadPool.runIfActive {
            try self.handle.withLock { handle throws -> T in
                guard let raw = handle?.raw else {
                    throw MySQLError(code: 0, message: "the connection is closed", operation: operation)
                }
                return try body(raw)
            }
        }
    }

    private static func send(_ raw: UnsafeMutablePointer<MYSQL>, _ sql: String, operation: String) throws {
        let status = sql.utf8CString.withUnsafeBufferPointer { buffer in
            mysql_real_query(raw, buffer.baseAddress, UInt(buffer.count - 1))
        }
        if status != 0 { throw lastError(raw, operation: operation) }
    }

    private static func lastError(_ raw: UnsafeMutablePointer<MYSQL>, operation: String) -> MySQLError {
        MySQLError(
            code: mysql_errno(raw),
            sqlState: mysql_sqlstate(raw).map { String(cString: $0) } ?? "",
            message: mysql_error(raw).map { String(cString: $0) } ?? "unknown error",
            operation: operation)
    }

    static func abbreviated(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= 80 ? flat : String(flat.prefix(77)) + "..."
    }
}

/// libmariadb's global initialisation, done once before the first connection: `mysql_init` would
/// otherwise do it lazily, which is not thread-safe.
enum MySQLLibrary {
    static let initialized: Bool = mysql_server_init(0, nil, nil) == 0
}
