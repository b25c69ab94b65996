import AgentAPI
import Foundation
import Galera
import NIOPosix
import Synchronization

/// Follows mysqld's error log: forwards every new line to the agent's stdout with a prefix (so
/// `kubectl logs` shows mysqld too), hands it to `onLine`, and keeps the file bounded by rotating
/// it: the content is copied to `name-1.ext` (older copies shift up to `archives`) and the file is
/// truncated in place. mysqld writes with O_APPEND, so it carries on at the new end without a
/// reopen; a line written between the copy and the truncation can be lost from the archive, never
/// from the agent's own output, which has already forwarded it.
final class LogFollower: Sendable {
    let path: String
    let prefix: String
    let maxBytes: Int
    let archives: Int
    /// One JSON object per error-log entry (`--log-format json`) instead of prefixed lines.
    let json: Bool
    let node: String
    private let onLine: @Sendable (String) -> Void
    private let output: StandardOutput
    private let position = Mutex<Position>(Position())
    /// A longer line (never seen from mysqld) is dropped rather than held without bound.
    static let longestLine = 1 << 20

    private struct Position {
        var offset: UInt64 = 0
        var inode: UInt64 = 0
        /// Holds a line mysqld has not finished writing.
        var lines = LineSplitter(maxLineLength: LogFollower.longestLine)
    }

    init(path: String, prefix: String, maxBytes: Int, archives: Int, json: Bool = false, node: String = "",
         output: StandardOutput, onLine: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.prefix = prefix
        self.json = json
        self.node = node
        self.maxBytes = maxBytes
        self.archives = archives
        self.output = output
        self.onLine = onLine
    }

    /// Starts at the current end: lines from before the agent started are history, not news.
    func skipExisting() {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        position.withLock { $0 = Position(offset: UInt64(info.st_size), inode: UInt64(info.st_ino)) }
    }

    /// Polls until cancelled.
    func run(every interval: Duration = .milliseconds(250), threadPool: NIOThreadPool = .singleton) async {
        while !Task.isCancelled {
            _ = try? await threadPool.runIfActive { self.poll() }
            try? await Task.sleep(for: interval)
        }
    }

    /// Reads whatever is new; rotates when the file grew past the bound.
    func poll() {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let start: UInt64 = position.withLock { position in
            if position.inode != UInt64(info.st_ino) || UInt64(info.st_size) < position.offset {
                // Replaced or truncated by someone else: read it from the start.
                position = Position(offset: 0, inode: UInt64(info.st_ino))
            }
            return position.offset
        }
        guard UInt64(info.st_size) > start, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        try? handle.seek(toOffset: start)
        guard let chunk = try? handle.readToEnd(), !chunk.isEmpty else { return }
        let lines: [String] = position.withLock { position in
            position.offset = start + UInt64(chunk.count)
            let complete: [Data]
            do {
                complete = try position.lines.append(chunk)
            } catch {
                position.lines = LineSplitter(maxLineLength: Self.longestLine)
                complete = []
            }
            return complete.map { String(decoding: $0, as: UTF8.self) }
        }
        if json {
            for entry in Self.entries(lines) { output.write(jsonLine(entry)) }
        } else {
            for line in lines { output.write("\(prefix)\(line)\n") }
        }
        for line in lines { onLine(line) }
        if Int(info.st_size) > maxBytes { rotate() }
    }

    /// Groups lines into error-log entries: an entry starts with a timestamp (`2024-05-01 ...`);
    /// the lines after it that do not (Galera's multi-line view dumps, stack traces) belong to
    /// it, so a log pipeline gets one event per entry and a view dump never floods it.
    static func entries(_ lines: [String]) -> [String] {
        var entries: [String] = []
        for line in lines where !line.isEmpty {
            if entries.isEmpty || startsEntry(line) {
                entries.append(line)
            } else {
                entries[entries.count - 1] += "\n" + line
            }
        }
        return entries
    }

    /// `2024-05-01 12:00:00 0 [Note] ...`: a year, then a dash.
    static func startsEntry(_ line: String) -> Bool {
        let head = Array(line.utf8.prefix(5))
        return head.count == 5 && head[0..<4].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } && head[4] == UInt8(ascii: "-")
    }

    private func jsonLine(_ entry: String) -> String {
        JSONLogLine.render([
            "level": entry.contains("[ERROR]") ? "error" : entry.contains("[Warning]") ? "warning" : "info",
            "logger": "mysqld", "node": node, "message": entry,
        ])
    }

    private func rotate() {
        let manager = FileManager.default
        for index in stride(from: archives, to: 1, by: -1) {
            let older = archivePath(index)
            try? manager.removeItem(atPath: older)
            try? manager.moveItem(atPath: archivePath(index - 1), toPath: older)
        }
        guard archives > 0 else { return truncateCurrent() }
        try? manager.removeItem(atPath: archivePath(1))
        try? manager.copyItem(atPath: path, toPath: archivePath(1))
        truncateCurrent()
    }

    private func truncateCurrent() {
        guard truncate(path, 0) == 0 else { return }
        position.withLock { position in
            position.offset = 0
            position.lines = LineSplitter(maxLineLength: Self.longestLine)
        }
    }

    /// `/data/mysqld.err` → `/data/mysqld-1.err`: the extension stays, so the SST script's
    /// cleanup of a joiner's datadir (which keeps `*.err`) keeps the archives too.
    func archivePath(_ index: Int) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().path
        return ext.isEmpty ? "\(base)-\(index)" : "\(base)-\(index).\(ext)"
    }
}

/// The agent's stdout, written a whole line per write(2) so lines from several sources never mix.
struct StandardOutput: Sendable {
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
