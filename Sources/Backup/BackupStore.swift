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
}

/// One backup being written. `append` as the stream arrives; `finish` publishes it with its
/// record (size and sha256 filled in from what was written); `abort` removes everything.
public protocol BackupWriter: Sendable {
    func append(_ chunk: Data) async throws
    func finish(_ record: BackupMetadata) async throws -> BackupMetadata
    func abort() async
}
