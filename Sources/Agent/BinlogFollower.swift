import AgentAPI
import Binlog
import Foundation
import Galera

/// Reads the node's binary log files as the server writes them, for the controller's archiver
/// (`GET /v1/binlog`): the transactions of the cluster's GTID domain after a given one, as raw
/// events, each file's format description first, then whole transactions only, and a heartbeat
/// whenever the reader is at the end of the log.
///
/// It follows files, not the replication protocol: no account, no connection that mysqld could
/// refuse, and it goes on reading while mysqld restarts or serves as a donor. It follows the
/// GTIDs, never the file names: a joiner's logs after a state transfer are not one history
/// (docs/backup.md), so a stream after transaction N starts only where this node's log proves
/// what came right after N: N itself is in it, or a file begins with N as its state.
///
/// Confined to the one response that streams it: its reads run on the agent's thread pool, one
/// at a time.
final class BinlogFollower: @unchecked Sendable {
    let dataDirectory: String
    let domain: UInt32
    /// The transaction before the first one this stream sends.
    private(set) var previous: UInt64 = 0
    /// The last transaction sent (or `previous`).
    private(set) var last: UInt64 = 0

    private var handle: FileHandle?
    private var reader = BinlogReader(file: true)
    /// Ready to send: events of whole transactions, and format descriptions.
    private var ready: [[UInt8]] = []
    /// The file being read, and the one a rotate named (the current one is finished).
    private var currentFile = ""
    private var nextFile: String?

    static let chunkSize = 256 << 10

    init(dataDirectory: String, domain: UInt32 = BinaryLog.clusterDomain) {
        self.dataDirectory = dataDirectory
        self.domain = domain
    }

    deinit { try? handle?.close() }

    /// The files `binlog.index` lists, oldest first, as paths.
    func listedFiles() -> [String] {
        guard let text = try? String(contentsOfFile: "\(dataDirectory)/\(BinaryLog.indexFile)", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { line in
            let name = line.trimmingCharacters(in: .whitespaces)
            return name.hasPrefix("/") ? name : "\(dataDirectory)/\(name.hasPrefix("./") ? String(name.dropFirst(2)) : name)"
        }.filter { !$0.isEmpty }
    }

    /// The domain's sequence in the GTID list a file begins with (0: none yet), nil when the
    /// file is unreadable or no binary log.
    func startState(of path: String) -> UInt64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var reader = BinlogReader(file: true)
        guard let head = try? handle.read(upToCount: 64 << 10), let items = try? reader.feed(head) else { return nil }
        for item in items {
            if case .gtidList(let list) = item { return list.first { $0.domain == domain }?.sequence ?? 0 }
        }
        return nil
    }

    /// Positions the stream right after transaction `after` (nil: at the start of the oldest
    /// file), or says why this node cannot: 410 when its log begins later, 409 when its log
    /// does not hold `after` (or does not yet).
    func seek(after: UInt64?) throws(APIErrorBody) {
        let files = listedFiles()
        guard !files.isEmpty else {
            throw .conflict("noBinlog", "this node has no binary log (\(dataDirectory)/\(BinaryLog.indexFile) lists none): binary logging is off, or mysqld never ran with it")
        }
        let starts = files.map { startState(of: $0) }
        guard let after else {
            guard let first = starts[0] else { throw .failed("binlogUnreadable", "\(files[0]) is not a readable binary log") }
            previous = first
            last = first
            skipping = false
            try open(files[0])
            return
        }
        guard let index = starts.indices.last(where: { (starts[$0] ?? .max) <= after }), let start = starts[index] else {
            let oldest = starts.compactMap { $0 }.min().map(String.init) ?? "unknown"
            throw APIErrorBody(status: 410, code: "binlogGone", reason: "this node's binary log begins after transaction \(oldest), so it no longer holds what came after \(after)")
        }
        previous = after
        last = after
        try open(files[index])
        // Read on to the first transaction after `after`: the stream begins there, if what
        // came right before it in this log is `after` itself.
        while firstToSend == nil, try readChunk() {}
        let predecessor = lastSkipped ?? start
        if let first = firstToSend, predecessor != after {
            throw .conflict("binlogGap", "this node's binary log does not hold transaction \(after): it goes from \(predecessor) to \(first)")
        }
        if firstToSend == nil, predecessor != after {
            throw .conflict("binlogBehind", "this node's binary log has not reached transaction \(after) yet: it ends at \(predecessor)")
        }
    }

    /// The bytes to send next (whole events, as many as one read gave), or nil at the end of
    /// the log for now.
    func next() throws(APIErrorBody) -> [UInt8]? {
        while ready.isEmpty, try readChunk() {}
        guard !ready.isEmpty else { return nil }
        defer { ready.removeAll(keepingCapacity: true) }
        return ready.count == 1 ? ready[0] : ready.reduce(into: [UInt8]()) { $0 += $1 }
    }

    /// A heartbeat in the log's checksum setting.
    func heartbeat(now: Date) -> [UInt8] {
        BinlogEvent.heartbeat(at: UInt32(now.timeIntervalSince1970), checksummed: reader.checksummed).bytes
    }

    // MARK: Reading

    /// Before the stream begins (`seek`), transactions up to `after` are skipped: the newest
    /// skipped, and the first one past it.
    private var skipping = true
    private var lastSkipped: UInt64?
    private var firstToSend: UInt64?
    private var formatDescription: BinlogEvent?

    private func open(_ path: String) throws(APIErrorBody) {
        try? handle?.close()
        guard let opened = FileHandle(forReadingAtPath: path) else {
            throw .failed("binlogUnreadable", "cannot open \(path): it was purged, or is not readable by the agent")
        }
        handle = opened
        // The controller checks every event's CRC-32 of what it archives; checking here too
        // would only double the cost of reading.
        reader = BinlogReader(file: true, verifyingChecksums: false)
        currentFile = path
        nextFile = nil
    }

    /// Reads one chunk of the current file (or moves to the next file after a rotate). Returns
    /// false at the end of the log for now.
    private func readChunk() throws(APIErrorBody) -> Bool {
        if let next = nextFile {
            // The rotate names the next file; the server creates it right after.
            guard FileManager.default.fileExists(atPath: next) else { return false }
            try open(next)
            if let state = startState(of: next), state != last, !skipping {
                throw .conflict("binlogGap", "\(next) begins after transaction \(state), but the file before it ended at \(last)")
            }
        }
        guard let handle else { return false }
        let chunk: Data
        do {
            chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
        } catch {
            throw .failed("binlogUnreadable", "reading \(currentFile): \(error)")
        }
        if chunk.isEmpty {
            if nextFile != nil { return true }
            // A file that ends without a rotate (mysqld stopped, or was killed, and began a new
            // one when it started again) is finished once the index lists a newer file. Read
            // once more after seeing it: the server writes the file's end before the index.
            let files = listedFiles()
            guard let index = files.firstIndex(of: currentFile), index + 1 < files.count else { return false }
            if let tail = try? handle.read(upToCount: 1), !tail.isEmpty {
                try? handle.seek(toOffset: handle.offsetInFile - 1)
                return true
            }
            nextFile = files[index + 1]
            return true
        }
        let items: [BinlogReader.Item]
        do {
            items = try reader.feed(chunk)
        } catch {
            throw .failed("binlogDamaged", "\(currentFile): \(error)")
        }
        for item in items {
            switch item {
            case .formatDescription(let event):
                if !skipping { ready.append(event.bytes) }
                formatDescription = event
            case .transaction(let transaction) where transaction.gtid.domain == domain:
                let sequence = transaction.gtid.sequence
                if skipping {
                    if sequence <= last {
                        lastSkipped = sequence
                        continue
                    }
                    skipping = false
                    firstToSend = sequence
                    if let formatDescription { ready.append(formatDescription.bytes) }
                }
                guard sequence > last else {
                    throw .conflict("binlogOutOfOrder", "\(currentFile) holds transaction \(sequence) after \(last): its history is not one this stream can follow")
                }
                ready.append(transaction.bytes)
                last = sequence
            case .rotate(let name):
                nextFile = name.hasPrefix("/") ? name : "\(dataDirectory)/\(name)"
            case .transaction, .gtidList, .heartbeat:
                continue
            }
        }
        return true
    }
}
