import Foundation
import Galera

/// What the store keeps beside every backup (`backup.json`), enough to list, verify and restore
/// it without reading the stream: where it came from, when, how big, its sha256, and the Galera
/// position it holds (from `--galera-info`).
public struct BackupMetadata: Codable, Sendable, Hashable {
    public var id: String
    public var cluster: String
    public var node: String
    public var flavor: Flavor
    /// The server's version string (`mariadbd --version`'s), to refuse a restore into an older major.
    public var serverVersion: String
    public var startedAt: Date
    public var finishedAt: Date
    /// Bytes of the stored stream.
    public var size: Int64
    /// Hex sha256 of the stored stream.
    public var sha256: String
    public var position: GaleraPosition
    /// The binary log's GTID list the backup is consistent at (`1-1-40,101-1-2`): where a
    /// point-in-time restore from it starts replaying. nil: taken without binary logs.
    public var gtidPosition: String?
    /// The archive history (`Binlog.ArchiveHistory`) the cluster was in when it was taken: a
    /// point-in-time restore from it replays that history's segments.
    public var archiveHistory: String?
    /// How the stream is encoded: `xbstream+zstd`.
    public var format: String
    /// When the stored stream was last read back whole and matched its size and sha256 (right
    /// after it was written, and at every restore's step 0); nil: never.
    public var verifiedAt: Date?

    public static let currentFormat = "xbstream+zstd"

    public init(id: String, cluster: String, node: String, flavor: Flavor, serverVersion: String, startedAt: Date,
                finishedAt: Date, size: Int64, sha256: String, position: GaleraPosition, format: String = BackupMetadata.currentFormat) {
        self.id = id
        self.cluster = cluster
        self.node = node
        self.flavor = flavor
        self.serverVersion = serverVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.size = size
        self.sha256 = sha256
        self.position = position
        self.format = format
    }

    /// How a record is stored (`backup.json`): ISO 8601 dates in whole seconds, sorted keys.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// The record of backup `id` from a stored `backup.json` at `location` (a path or a key,
    /// for the message): `corrupt` when it is not one. What every store reads back.
    public static func decodeRecord(_ data: Data, id: String, location: String) throws(BackupStoreError) -> BackupMetadata {
        do {
            return try decoder.decode(BackupMetadata.self, from: data)
        } catch {
            throw .corrupt(id: id, reason: "\(location) is not a backup record (\(error))")
        }
    }

    /// `CLUSTER-YYYYMMDD-HHMMSS`, UTC: sortable, readable, unique per cluster per second.
    public static func makeID(cluster: String, at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(cluster)-\(c.year ?? 0)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }
}

/// Why the store refused: each names the backup or the path, and what to do.
public enum BackupStoreError: Error, Equatable, CustomStringConvertible {
    case notFound(id: String)
    case invalidID(String)
    case alreadyExists(id: String)
    case writeFailed(path: String, reason: String)
    case corrupt(id: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let id): "backup \(id) does not exist; list the cluster's backups to see which do"
        case .invalidID(let id): "'\(id)' is not a backup id (letters, digits, '-', '_' and '.', not starting with '.')"
        case .alreadyExists(let id): "backup \(id) already exists"
        case .writeFailed(let path, let reason): "cannot write the backup at \(path): \(reason); nothing of it is listed (what was written is removed now, or by the sweep after the next retention pass)"
        case .corrupt(let id, let reason): "backup \(id) is damaged: \(reason)"
        }
    }
}

/// A server version's release series, `10.11` of `10.11.19-MariaDB-0+deb12u1`: a restore
/// refuses a backup from a newer series than the server that would run it.
public struct ServerSeries: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init?(version: String) {
        let numbers = version.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return nil }
        major = numbers[0]
        minor = numbers[1]
    }

    public static func < (left: ServerSeries, right: ServerSeries) -> Bool {
        (left.major, left.minor) < (right.major, right.minor)
    }

    public var description: String { "\(major).\(minor)" }
}
