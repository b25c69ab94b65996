import Foundation

/// The transfer's lines on stderr, which mysqld's error log receives, in the packaged scripts'
/// form (`WSREP_SST: [INFO] ...`), so that the agent's log follower and a person reading the log
/// find them where they find the others. stdout belongs to mysqld: only protocol lines go there.
public struct TransferLog: Sendable {
    public enum Level: String, Sendable { case info = "INFO", warning = "WARNING", error = "ERROR" }

    let role: TransferArguments.Role

    public func write(_ level: Level, _ message: String) {
        let line = "WSREP_SST: [\(level.rawValue)] qmysql \(role.rawValue): \(message) (\(Self.stamp()))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    public func info(_ message: String) { write(.info, message) }

    /// A protocol line for mysqld: written at once (a buffered line would leave mysqld waiting).
    public static func tell(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd HH:mm:ss.SSS"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// Why a transfer failed, and the exit status that tells mysqld (the packaged scripts' codes:
/// 2 a tool is missing, 22 the backup or its preparation failed, 32 the transfer itself did).
public struct TransferFailure: Error, CustomStringConvertible, Sendable {
    public var status: Int32
    public var description: String

    public init(_ status: Int32, _ description: String) {
        self.status = status
        self.description = description
    }

    public static func transfer(_ description: String) -> TransferFailure { TransferFailure(32, description) }
    public static func backup(_ description: String) -> TransferFailure { TransferFailure(22, description) }
}
