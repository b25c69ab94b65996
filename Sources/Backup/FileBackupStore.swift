import Binlog
import Crypto
import Foundation
import Synchronization

/// Backups as files: `ROOT/CLUSTER/ID/data.xb.zst` and `ROOT/CLUSTER/ID/backup.json`. A backup
/// is written under `ROOT/CLUSTER/.partial-ID/` and renamed into place when complete (a rename of
/// a directory is atomic), so listing never sees half a backup; a failed write (a full disk, an
/// unwritable store) removes the partial directory.
public struct FileBackupStore: BackupStore {
    public let root: String

    static let dataFile = "data.xb.zst"
    static let recordFile = "backup.json"

    public init(root: String) {
        self.root = root
    }

    /// Cluster names and backup ids as every store accepts them (a path or key component).
    public static func validate(_ name: String) throws(BackupStoreError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, !name.hasPrefix("."), name.count <= 200, name.allSatisfy(allowed.contains) else {
            throw .invalidID(name)
        }
    }

    func directory(_ cluster: String, _ id: String) -> String { "\(root)/\(cluster)/\(id)" }

    public func list(cluster: String) async throws -> [BackupMetadata] {
        try Self.validate(cluster)
        let base = "\(root)/\(cluster)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.compactMap { try? readRecord(cluster, $0) }
            .sorted { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }
    }

    public func metadata(cluster: String, id: String) async throws -> BackupMetadata {
        try Self.validate(cluster)
        try Self.validate(id)
        return try readRecord(cluster, id)
    }

    private func readRecord(_ cluster: String, _ id: String) throws -> BackupMetadata {
        let path = directory(cluster, id) + "/" + Self.recordFile
        guard let data = FileManager.default.contents(atPath: path) else { throw BackupStoreError.notFound(id: id) }
        return try BackupMetadata.decodeRecord(data, id: id, location: path)
    }

    public func beginWrite(cluster: String, id: String) async throws -> any BackupWriter {
        try Self.validate(cluster)
        try Self.validate(id)
        let final = directory(cluster, id)
        if FileManager.default.fileExists(atPath: final) { throw BackupStoreError.alreadyExists(id: id) }
        let partial = "\(root)/\(cluster)/.partial-\(id)"
        do {
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
            let data = partial + "/" + Self.dataFile
            guard FileManager.default.createFile(atPath: data, contents: nil) else {
                throw BackupStoreError.writeFailed(path: data, reason: "cannot create the file")
            }
            return FileBackupWriter(partial: partial, final: final, handle: try FileHandle(forWritingTo: URL(fileURLWithPath: data)))
        } catch let error as BackupStoreError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw BackupStoreError.writeFailed(path: partial, reason: "\(error.localizedDescription)")
        }
    }

    public func read(cluster: String, id: String, _ consume: @Sendable (Data) async throws -> Void) async throws {
        let record = try await self.metadata(cluster: cluster, id: id)
        let path = directory(cluster, id) + "/" + Self.dataFile
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BackupStoreError.corrupt(id: id, reason: "\(path) is missing") }
        defer { try? handle.close() }
        var check = StoredStreamCheck()
        while let chunk = try await Self.blocking({ try handle.read(upToCount: 1 << 20) }), !chunk.isEmpty {
            check.add(chunk)
            try await consume(chunk)
        }
        try check.verify(against: record)
    }

    public func verify(cluster: String, id: String, at date: Date, _ progress: @Sendable (Int64) async -> Void) async throws -> BackupMetadata {
        let bytes = ByteCounter()
        try await read(cluster: cluster, id: id) { chunk in await progress(bytes.add(chunk.count)) }
        var record = try readRecord(cluster, id)
        record.verifiedAt = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let path = directory(cluster, id) + "/" + Self.recordFile
        // A read-only store (another cluster's, mounted for a restore) still verifies; it just
        // cannot remember it.
        try? BackupMetadata.encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
        return record
    }

    public func delete(cluster: String, id: String) async throws {
        try Self.validate(cluster)
        try Self.validate(id)
        let path = directory(cluster, id)
        guard FileManager.default.fileExists(atPath: path) else { throw BackupStoreError.notFound(id: id) }
        // Out of the listing first (a rename), then gone: a crash in between leaves a dot-directory.
        let doomed = "\(root)/\(cluster)/.deleting-\(id)"
        try FileManager.default.moveItem(atPath: path, toPath: doomed)
        // A backup is as big as the data: its removal runs off the cooperative pool.
        try await Self.blocking { try FileManager.default.removeItem(atPath: doomed) }
    }

    public func removeAbandoned(cluster: String, startedBefore cutoff: Date) async throws -> [String] {
        try Self.validate(cluster)
        let base = "\(root)/\(cluster)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".partial-") || name.hasPrefix(".deleting-") {
            let path = base + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  modified < cutoff else { continue }
            try await Self.blocking { try FileManager.default.removeItem(atPath: path) }
            removed.append(path)
        }
        return removed
    }

    // MARK: The binary log archive

    func archive(_ cluster: String, _ history: String? = nil) throws(BackupStoreError) -> String {
        try Self.validate(cluster)
        guard let history else { return "\(root)/\(cluster)/\(Self.archiveFolder)" }
        try Self.validate(history)
        return "\(root)/\(cluster)/\(Self.archiveFolder)/\(history)"
    }

    public func histories(cluster: String) async throws -> [ArchiveHistory] {
        let base = try archive(cluster)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: "\(base)/\(name)/\(ArchiveHistory.recordName)")
                .flatMap { try? JSONDecoder().decode(ArchiveHistory.self, from: $0) }
        }
    }

    public func putHistory(cluster: String, _ history: ArchiveHistory) async throws {
        let directory = try archive(cluster, history.id)
        try await Self.writeWhole(try JSONEncoder().encode(history), to: "\(directory)/\(ArchiveHistory.recordName)")
    }

    public func segments(cluster: String, history: String) async throws -> [ArchivedSegment] {
        let directory = try archive(cluster, history)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.compactMap { ArchivedSegment(name: $0) }.sorted()
    }

    public func putSegment(cluster: String, history: String, _ segment: ArchivedSegment, _ bytes: Data) async throws {
        try await Self.writeWhole(bytes, to: "\(try archive(cluster, history))/\(segment.name)")
    }

    public func readSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws -> Data {
        let path = "\(try archive(cluster, history))/\(segment.name)"
        guard let data = try await Self.blocking({ FileManager.default.contents(atPath: path) }) else {
            throw BackupStoreError.corrupt(id: segment.name, reason: "\(path) is missing")
        }
        return data
    }

    public func deleteSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws {
        let path = "\(try archive(cluster, history))/\(segment.name)"
        try await Self.blocking { try FileManager.default.removeItem(atPath: path) }
    }

    /// Writes `data` under a dot-name and renames it into place, synced first: a reader sees
    /// the whole file or none (the directory is created as needed).
    static func writeWhole(_ data: Data, to path: String) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        let partial = "\(directory)/.partial-\((path as NSString).lastPathComponent)"
        do {
            try await blocking {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                    throw BackupStoreError.writeFailed(path: partial, reason: "cannot create the file")
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
                defer { try? handle.close() }
                try handle.write(contentsOf: data)
                try handle.synchronize()
                if rename(partial, path) != 0 { throw BackupStoreError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
            }
        } catch let error as BackupStoreError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw BackupStoreError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Runs a blocking file call on a dispatch thread, never on the cooperative pool (a slow disk
    /// must not stall the controller's probes).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    public static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Writes one backup's stream into its partial directory, hashing as it goes.
actor FileBackupWriter: BackupWriter {
    let partial: String
    let final: String
    private let handle: FileHandle
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var done = false

    init(partial: String, final: String, handle: FileHandle) {
        self.partial = partial
        self.final = final
        self.handle = handle
    }

    func append(_ chunk: Data) async throws {
        guard !done else { throw BackupStoreError.writeFailed(path: partial, reason: "the backup was already finished or aborted") }
        do {
            try await FileBackupStore.blocking { [handle] in try handle.write(contentsOf: chunk) }
        } catch {
            await abort()
            throw BackupStoreError.writeFailed(path: partial, reason: error.localizedDescription)
        }
        hasher.update(data: chunk)
        size += Int64(chunk.count)
    }

    func finish(_ record: BackupMetadata) async throws -> BackupMetadata {
        guard !done else { throw BackupStoreError.writeFailed(path: partial, reason: "the backup was already finished or aborted") }
        var record = record
        // Whole seconds: what the record's ISO 8601 dates hold, so a record reads back equal.
        record.startedAt = Date(timeIntervalSince1970: record.startedAt.timeIntervalSince1970.rounded(.down))
        record.finishedAt = Date(timeIntervalSince1970: record.finishedAt.timeIntervalSince1970.rounded(.down))
        record.size = size
        record.sha256 = FileBackupStore.hex(hasher.finalize())
        do {
            try await FileBackupStore.blocking { [handle] in
                try handle.synchronize()
                try handle.close()
            }
            let json = try BackupMetadata.encoder.encode(record)
            try json.write(to: URL(fileURLWithPath: partial + "/" + FileBackupStore.recordFile), options: .atomic)
            try FileManager.default.moveItem(atPath: partial, toPath: final)
        } catch {
            await abort()
            throw BackupStoreError.writeFailed(path: partial, reason: error.localizedDescription)
        }
        done = true
        return record
    }

    func abort() async {
        guard !done else { return }
        done = true
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partial)
    }
}

extension FileBackupStore {
    /// The hex sha256 of `data`, as records hold it.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }
}

/// Counts bytes across the chunks of one read (a verification's progress).
public final class ByteCounter: Sendable {
    private let total = Mutex<Int64>(0)

    public init() {}

    public func add(_ count: Int) -> Int64 { total.withLock { $0 += Int64(count); return $0 } }
}

/// What every store checks while a stored stream is read: its size and sha256 against the record.
public struct StoredStreamCheck {
    private var hasher = SHA256()
    private var size: Int64 = 0

    public init() {}

    public mutating func add(_ chunk: Data) {
        hasher.update(data: chunk)
        size += Int64(chunk.count)
    }

    /// Throws `corrupt` unless what was read is what the record says was stored.
    public func verify(against record: BackupMetadata) throws(BackupStoreError) {
        let digest = FileBackupStore.hex(hasher.finalize())
        guard size == record.size else {
            throw .corrupt(id: record.id, reason: "\(size) bytes stored, the record says \(record.size) (truncated?)")
        }
        guard digest == record.sha256 else {
            throw .corrupt(id: record.id, reason: "sha256 \(digest) differs from the record's \(record.sha256)")
        }
    }
}
