import Foundation

/// One process as /proc/PID/stat shows it: the one reader of that file for the agent's process
/// trees and the playground's sessions and pid files.
public struct ProcessStat: Sendable, Hashable {
    public var pid: pid_t
    public var parent: pid_t
    public var group: pid_t
    public var session: pid_t
    /// Field 3: `R`, `S`, `D`, `Z` (a zombie: exited, holding nothing but its status) ...
    public var state: Character
    /// Field 22: when it started, in clock ticks since boot (with the pid, what identifies it).
    public var startTime: UInt64
    /// Field 2, the command's name (at most 15 characters).
    public var command: String

    public var isZombie: Bool { state == "Z" }

    /// Parses a stat line. After the command (field 2, in parentheses, which may hold anything,
    /// spaces and parentheses included) the fields are counted from the last ')'.
    public init?(parsing text: String, pid: pid_t) {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let parent = pid_t(fields[1]), let group = pid_t(fields[2]),
              let session = pid_t(fields[3]), let start = UInt64(fields[19]) else { return nil }
        self.pid = pid
        self.parent = parent
        self.group = group
        self.session = session
        self.state = state
        startTime = start
        command = String(text[text.index(after: open)..<close])
    }

    /// The process `pid` now; nil when it is gone (or /proc cannot be read).
    public static func read(_ pid: pid_t) -> ProcessStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return ProcessStat(parsing: text, pid: pid)
    }

    /// Every process on the machine now, zombies included. Blocking: one read per process.
    public static func all() -> [ProcessStat] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { pid_t($0).flatMap(read) }
    }
}
