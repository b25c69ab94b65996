import Binlog
import Foundation

/// Where backups live. The controller is the only role that talks to it: the stream goes from a
/// node's agent through the controller into the store, so no database pod holds the store's
/// credentials. A backup is either complete (listed) or absent: a half-written one is never
/// listed, and a failed write removes what it wrote.
///
/// Two implementations: the filesystem (`FileBackupStore`: a PVC on Kubernetes, a directory in
/// the playground) and an S3 bucket (`ObjectStorage.S3BackupStore`).
public protocol BackupStore: Sendable {
    /// The complete backups of `cluster`, oldest first.
    func list(cluster: String) async throws -> [BackupMetadata]
    func metadata(cluster: String, id: String) async throws -> BackupMetadata
    /// Starts writing backup `id` of `cluster`. Nothing is listed until `finish`.
    func beginWrite(cluster: String, id: String) async throws -> any BackupWriter
    /// Hands the stored stream to `consume` chunk by chunk, checking its size and sha256 against
    /// the record as it goes; a mismatch throws `corrupt` at the end.
    func read(cluster: String, id: String, _ consume: @Sendable (Data) async throws -> Void) async throws
    func delete(cluster: String, id: String) async throws
    /// Reads the stored stream back whole (size and sha256 against the record, `corrupt` if
    /// not) and records when it matched.
    func verify(cluster: String, id: String, at date: Date, _ progress: @Sendable (Int64) async -> Void) async throws -> BackupMetadata
    /// Removes what writers that died left of `cluster`'s backups, begun before `cutoff` (never
    /// listed, but taking space): the file store's partial directories, the bucket's unfinished
    /// multipart uploads. Returns what it removed, for the log.
    func removeAbandoned(cluster: String, startedBefore cutoff: Date) async throws -> [String]

    // The binary log archive (docs/backup.md, "Point-in-time recovery"): under
    // `CLUSTER/binlog/HISTORY/`, a `history.json` and the segments, each written whole at once
    // (a segment is seconds of writes, a few MiB at most), so none is ever seen half-written.

    /// The histories of `cluster`'s archive, oldest first.
    func histories(cluster: String) async throws -> [ArchiveHistory]
    func putHistory(cluster: String, _ history: ArchiveHistory) async throws
    /// The segments of one history, by first sequence.
    func segments(cluster: String, history: String) async throws -> [ArchivedSegment]
    func putSegment(cluster: String, history: String, _ segment: ArchivedSegment, _ bytes: Data) async throws
    func readSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws -> Data
    func deleteSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws
}

extension BackupStore {
    /// The folder of the archive beside a cluster's backups (never a backup id: ids are
    /// `CLUSTER-DATE`).
    public static var archiveFolder: String { "binlog" }
}

/// One backup being written. `append` as the stream arrives; `finish` publishes it with its
/// record (size and sha256 filled in from what was written); `abort` removes everything.
public protocol BackupWriter: Sendable {
    func append(_ chunk: Data) async throws
    func finish(_ record: BackupMetadata) async throws -> BackupMetadata
    func abort() async
}
