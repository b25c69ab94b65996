import Foundation

/// Which of a node's binary log files may go (docs/backup.md, "Retention"). mysqld never purges
/// by itself (`binlog_expire_logs_seconds=0`): the agent does, so that no file goes before the
/// archive holds it.
///
/// A file may go when it is not the one being written, it was last written longer ago than the
/// node's retention, and, while the cluster is archived, every transaction of the cluster's
/// domain in it is at or before the archive's last one. Files go oldest first and only as a
/// prefix: `PURGE BINARY LOGS TO` removes everything before the file it names.
public enum LogPurge {
    public struct File: Sendable, Equatable {
        public var name: String
        /// The domain's sequence in the GTID list the file begins with: the last transaction
        /// logged before it (nil: unreadable, which keeps it and everything after).
        public var startState: UInt64?
        /// When the server last wrote it.
        public var modified: Date

        public init(name: String, startState: UInt64?, modified: Date) {
            self.name = name
            self.startState = startState
            self.modified = modified
        }
    }

    public struct Decision: Sendable, Equatable {
        /// The oldest file kept (`PURGE BINARY LOGS TO` names it); nil: nothing goes.
        public var purgeTo: String?
        /// How many files go.
        public var purged: Int
        /// The oldest file the hold keeps although it is old enough to go (nil: none): what a
        /// stalled archive costs the node.
        public var heldBack: String?

        public init(purgeTo: String?, purged: Int, heldBack: String?) {
            self.purgeTo = purgeTo
            self.purged = purged
            self.heldBack = heldBack
        }
    }

    /// `files` oldest first, as the index lists them; the last is the one being written.
    /// `keepingAfter`: while the cluster is archived, the archive's last transaction (every one
    /// after it stays); nil while it is not.
    public static func decide(files: [File], keepingAfter hold: UInt64?, retention: TimeInterval, now: Date) -> Decision {
        var purged = 0
        var heldBack: String?
        for index in files.indices.dropLast() {
            guard now.timeIntervalSince(files[index].modified) >= retention else { break }
            if let hold {
                // The file's last transaction is the next file's starting state.
                guard let lastInFile = files[index + 1].startState, files[index].startState != nil, lastInFile <= hold else {
                    heldBack = files[index].name
                    break
                }
            }
            purged += 1
        }
        return Decision(purgeTo: purged > 0 ? files[purged].name : nil, purged: purged, heldBack: heldBack)
    }
}
