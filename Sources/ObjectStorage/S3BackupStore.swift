import Backup
import Binlog
import Crypto
import Foundation

/// Backups in an S3 bucket: `PREFIX CLUSTER/ID/data.xb.zst` and `PREFIX CLUSTER/ID/backup.json`.
/// As with the file store, a backup exists only once its record is written, and that is last:
/// the stream goes up as a multipart upload (parts of `partSize`, at most `partsInFlight` at
/// once, so memory stays bounded whatever the backup's size), completed only when the whole
/// stream arrived and its size checked, then the record is put. A failed write aborts the upload
/// (and deletes the object if it was completed), so no half backup is ever listed.
public struct S3BackupStore: BackupStore {
    public let client: S3Client
    /// Before every cluster's name: `NAMESPACE/` by default, `` for the bucket's root.
    public let prefix: String
    public var partSize: Int
    public var partsInFlight: Int
    /// Attempts per part (and per small request) before the backup fails.
    public var attempts = 3

    static let dataObject = "data.xb.zst"
    static let recordObject = "backup.json"
    /// S3's smallest part (all but the last); the part count is at most 10,000.
    public static let minimumPartSize = 5 << 20

    public init(client: S3Client, prefix: String, partSize: Int = 8 << 20, partsInFlight: Int = 2) {
        self.client = client
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.partSize = max(partSize, Self.minimumPartSize)
        self.partsInFlight = max(1, partsInFlight)
    }

    func key(_ cluster: String, _ id: String, _ object: String) -> String { "\(prefix)\(cluster)/\(id)/\(object)" }

    public func list(cluster: String) async throws -> [BackupMetadata] {
        try FileBackupStore.validate(cluster)
        let base = "\(prefix)\(cluster)/"
        var records: [BackupMetadata] = []
        for object in try await client.listObjects(prefix: base)
        where object.key.hasSuffix("/" + Self.recordObject) && !object.key.hasPrefix(base + Self.archiveFolder + "/") {
            let id = String(object.key.dropFirst(base.count).dropLast(Self.recordObject.count + 1))
            guard !id.contains("/"), let record = try? await readRecord(cluster, id) else { continue }
            records.append(record)
        }
        return records.sorted { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }
    }

    public func metadata(cluster: String, id: String) async throws -> BackupMetadata {
        try FileBackupStore.validate(cluster)
        try FileBackupStore.validate(id)
        return try await readRecord(cluster, id)
    }

    func readRecord(_ cluster: String, _ id: String) async throws -> BackupMetadata {
        let key = key(cluster, id, Self.recordObject)
        let data: Data
        do {
            data = try await client.getObject(key, limit: 1 << 20)
        } catch S3Error.notFound {
            throw BackupStoreError.notFound(id: id)
        }
        return try BackupMetadata.decodeRecord(data, id: id, location: key)
    }

    public func beginWrite(cluster: String, id: String) async throws -> any BackupWriter {
        try FileBackupStore.validate(cluster)
        try FileBackupStore.validate(id)
        if try await client.headObject(key(cluster, id, Self.recordObject)) != nil { throw BackupStoreError.alreadyExists(id: id) }
        return S3BackupWriter(store: self, dataKey: key(cluster, id, Self.dataObject), recordKey: key(cluster, id, Self.recordObject))
    }

    public func read(cluster: String, id: String, _ consume: @Sendable (Data) async throws -> Void) async throws {
        let record = try await metadata(cluster: cluster, id: id)
        let key = key(cluster, id, Self.dataObject)
        var check = StoredStreamCheck()
        do {
            try await client.streamObject(key) { chunk in
                let data = Data(chunk.readableBytesView)
                check.add(data)
                try await consume(data)
            }
        } catch S3Error.notFound {
            throw BackupStoreError.corrupt(id: id, reason: "\(key) is missing")
        }
        try check.verify(against: record)
    }

    public func verify(cluster: String, id: String, at date: Date, _ progress: @Sendable (Int64) async -> Void) async throws -> BackupMetadata {
        let counter = ByteCounter()
        try await read(cluster: cluster, id: id) { chunk in await progress(counter.add(chunk.count)) }
        var record = try await readRecord(cluster, id)
        record.verifiedAt = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        // A store the key may only read (another cluster's, for a restore) still verifies; it
        // just cannot remember it.
        try? await client.putObject(key(cluster, id, Self.recordObject), try BackupMetadata.encoder.encode(record), contentType: "application/json")
        return record
    }

    public func delete(cluster: String, id: String) async throws {
        try FileBackupStore.validate(cluster)
        try FileBackupStore.validate(id)
        guard try await client.headObject(key(cluster, id, Self.recordObject)) != nil else { throw BackupStoreError.notFound(id: id) }
        // Out of the listing first (its record), then the data: a failure in between leaves an
        // unlisted object that the next delete of the same id, or a person, removes.
        try await client.deleteObject(key(cluster, id, Self.recordObject))
        try await client.deleteObject(key(cluster, id, Self.dataObject))
    }

    public func removeAbandoned(cluster: String, startedBefore cutoff: Date) async throws -> [String] {
        try FileBackupStore.validate(cluster)
        var removed: [String] = []
        // An upload without a readable date is never taken for an old one.
        for upload in try await client.listMultipartUploads(prefix: "\(prefix)\(cluster)/") where (upload.initiated ?? .distantFuture) < cutoff {
            try await client.abortMultipartUpload(upload.key, uploadID: upload.uploadID)
            removed.append("s3://\(client.location.bucket)/\(upload.key) (upload \(upload.uploadID))")
        }
        return removed
    }

    // MARK: The binary log archive

    func archive(_ cluster: String, _ history: String? = nil) throws(BackupStoreError) -> String {
        try FileBackupStore.validate(cluster)
        guard let history else { return "\(prefix)\(cluster)/\(Self.archiveFolder)/" }
        try FileBackupStore.validate(history)
        return "\(prefix)\(cluster)/\(Self.archiveFolder)/\(history)/"
    }

    public func histories(cluster: String) async throws -> [ArchiveHistory] {
        let base = try archive(cluster)
        var histories: [ArchiveHistory] = []
        for object in try await client.listObjects(prefix: base) where object.key.hasSuffix("/" + ArchiveHistory.recordName) {
            guard let data = try? await retrying({ try await client.getObject(object.key, limit: 1 << 16) }),
                  let history = try? JSONDecoder().decode(ArchiveHistory.self, from: data) else { continue }
            histories.append(history)
        }
        return histories.sorted { $0.id < $1.id }
    }

    public func putHistory(cluster: String, _ history: ArchiveHistory) async throws {
        let key = try archive(cluster, history.id) + ArchiveHistory.recordName
        let body = try JSONEncoder().encode(history)
        try await retrying { try await client.putObject(key, body, contentType: "application/json") }
    }

    public func segments(cluster: String, history: String) async throws -> [ArchivedSegment] {
        let base = try archive(cluster, history)
        return try await client.listObjects(prefix: base).compactMap { ArchivedSegment(name: $0.key.dropFirst(base.count)) }.sorted()
    }

    public func putSegment(cluster: String, history: String, _ segment: ArchivedSegment, _ bytes: Data) async throws {
        let key = try archive(cluster, history) + segment.name
        try await retrying { try await client.putObject(key, bytes) }
    }

    /// A segment larger than this is no segment of ours (they close at 8 MiB, or hold one
    /// larger transaction).
    static let largestSegment = 1 << 30

    public func readSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws -> Data {
        let key = try archive(cluster, history) + segment.name
        do {
            return try await retrying { try await client.getObject(key, limit: Self.largestSegment) }
        } catch S3Error.notFound {
            throw BackupStoreError.corrupt(id: segment.name, reason: "\(key) is missing")
        }
    }

    public func deleteSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws {
        let key = try archive(cluster, history) + segment.name
        try await retrying { try await client.deleteObject(key) }
    }

    /// Runs `body` up to `attempts` times while it fails with a retryable error (a dropped
    /// connection, a 5xx, a part that arrived damaged), waiting 0.5 s, 1 s, ... between.
    func retrying<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard let failure = error as? S3Error, failure.isRetryable, attempt < attempts else { throw error }
                try await Task.sleep(for: .milliseconds(500 << (attempt - 1)))
                attempt += 1
            }
        }
    }
}

/// The part buffers of one upload, allocated once: `partsInFlight + 1` of `partSize` bytes,
/// part N filled in slot N mod count. A freed 8 MiB buffer and a new one per part let glibc's
/// malloc keep freed ones around (its mmap threshold rises after the first free): peak RSS went
/// over the 64 MiB goal in one series of seven (docs/benchmarks.md); a fixed set cannot.
///
/// A slot is refilled only after its last part was acknowledged: the writer waits for part
/// N - partsInFlight before it sends part N, and fills part N + 1 in the slot of part
/// N - partsInFlight. The upload tasks keep the pool alive, so a cancelled task still sending
/// never reads freed memory.
final class PartBuffers: @unchecked Sendable {
    let size: Int
    private let slots: [UnsafeMutableRawBufferPointer]

    init(count: Int, size: Int) {
        self.size = size
        slots = (0..<count).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16) }
    }

    deinit { for slot in slots { slot.deallocate() } }

    func slot(_ index: Int) -> UnsafeMutableRawBufferPointer { slots[index % slots.count] }

    /// The first `length` bytes of a slot as `Data`, without a copy (valid while the pool lives
    /// and the slot is not refilled).
    func view(_ index: Int, length: Int) -> Data {
        Data(bytesNoCopy: slot(index).baseAddress!, count: length, deallocator: .none)
    }
}

/// One backup going up: the stream is cut into parts, each uploaded (retried) while the next
/// fills, at most `partsInFlight` at once. Small backups (under one part) are a single put.
actor S3BackupWriter: BackupWriter {
    let store: S3BackupStore
    let dataKey: String
    let recordKey: String
    private let buffers: PartBuffers
    /// Bytes of part `nextPart` in its slot so far.
    private var filled = 0
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var uploadID: String?
    private var nextPart = 1
    private var uploads: [Task<(number: Int, eTag: String), any Error>] = []
    private var done = false
    /// The data object was completed (an abort must delete it).
    private var completed = false

    init(store: S3BackupStore, dataKey: String, recordKey: String) {
        self.store = store
        self.dataKey = dataKey
        self.recordKey = recordKey
        buffers = PartBuffers(count: store.partsInFlight + 1, size: store.partSize)
    }

    func append(_ chunk: Data) async throws {
        guard !done else { throw failure("the backup was already finished or aborted") }
        hasher.update(data: chunk)
        size += Int64(chunk.count)
        var offset = 0
        while offset < chunk.count {
            let taken = min(chunk.count - offset, buffers.size - filled)
            let slot = buffers.slot(nextPart)
            chunk.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: slot[filled..<(filled + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + taken)]))
            }
            filled += taken
            offset += taken
            if filled == buffers.size { try await send(filled) }
        }
    }

    /// Uploads part `nextPart`, its first `length` bytes in its slot, once the part that last
    /// used the next slot was acknowledged.
    private func send(_ length: Int) async throws {
        let (writerStore, client, key, pool) = (store, store.client, dataKey, buffers)
        do {
            let id: String
            if let uploadID {
                id = uploadID
            } else {
                id = try await writerStore.retrying { try await client.createMultipartUpload(key) }
                uploadID = id
            }
            // Bounded memory: at most `partsInFlight` parts in flight, and the slot the next part
            // fills is free (its last part is the one waited for here).
            if uploads.count >= writerStore.partsInFlight { _ = try await uploads[uploads.count - writerStore.partsInFlight].value }
            let number = nextPart
            uploads.append(Task {
                let part = pool.view(number, length: length)
                let eTag = try await writerStore.retrying { try await client.uploadPart(key, uploadID: id, number: number, part) }
                return (number, eTag)
            })
            nextPart += 1
            filled = 0
        } catch {
            await abort()
            throw failure("\(error)")
        }
    }

    func finish(_ record: BackupMetadata) async throws -> BackupMetadata {
        guard !done else { throw failure("the backup was already finished or aborted") }
        var record = record
        record.startedAt = Date(timeIntervalSince1970: record.startedAt.timeIntervalSince1970.rounded(.down))
        record.finishedAt = Date(timeIntervalSince1970: record.finishedAt.timeIntervalSince1970.rounded(.down))
        record.size = size
        record.sha256 = FileBackupStore.hex(hasher.finalize())
        do {
            let client = store.client
            if uploadID != nil {
                if filled > 0 { try await send(filled) }
                var parts: [(number: Int, eTag: String)] = []
                for upload in uploads { parts.append(try await upload.value) }
                try await client.completeMultipartUpload(dataKey, uploadID: uploadID!, parts: parts)
            } else {
                // Smaller than a part: one put, of a copy (the slot is the pool's).
                let (whole, key) = (Data(buffers.view(nextPart, length: filled)), dataKey)
                try await store.retrying { try await client.putObject(key, whole) }
            }
            completed = true
            // The stored object is the size streamed (the record's sha256 is checked by the
            // verification read that follows every backup).
            let stored = try await client.headObject(dataKey)
            guard stored?.size == size else {
                throw failure("the stored object has \(stored.map { "\($0.size)" } ?? "no") bytes, \(size) were sent")
            }
            let (json, key) = (try BackupMetadata.encoder.encode(record), recordKey)
            try await store.retrying { try await client.putObject(key, json, contentType: "application/json") }
        } catch {
            await abort()
            throw (error as? BackupStoreError) ?? failure("\(error)")
        }
        done = true
        return record
    }

    func abort() async {
        guard !done else { return }
        done = true
        for upload in uploads { upload.cancel() }
        if let uploadID, !completed { try? await store.client.abortMultipartUpload(dataKey, uploadID: uploadID) }
        if completed { try? await store.client.deleteObject(dataKey) }
        filled = 0
    }

    private func failure(_ reason: String) -> BackupStoreError {
        .writeFailed(path: "s3://\(store.client.location.bucket)/\(dataKey)", reason: reason)
    }
}
