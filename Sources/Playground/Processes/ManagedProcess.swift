import Agent
import Foundation
import Galera

/// A process the playground runs, started here or adopted from an earlier run of the
/// playground's host (which may have crashed while its pods kept running).
///
/// A process is known by its pid and its start time (field 22 of /proc/PID/stat), recorded in
/// a pid file next to its log: a pid the kernel recycled for another process never matches, so
/// the playground never signals a stranger.
public final class ManagedProcess: Sendable {
    public let pid: pid_t
    public let startTime: UInt64
    /// Our own child: its exit status is known. nil for an adopted process.
    private let child: ChildProcess?

    private init(pid: pid_t, startTime: UInt64, child: ChildProcess?) {
        self.pid = pid
        self.startTime = startTime
        self.child = child
    }

    /// Starts `executable` with exactly `environment`, output appended to `logPath`, and records
    /// it in `pidFile`. The process gets its own process group, so a terminal's Ctrl-C reaches
    /// only the command the user typed.
    public static func spawn(_ executable: String, arguments: [String], environment: [String: String],
                             logPath: String, pidFile: String) throws -> ManagedProcess {
        let child = try ChildProcess.spawn(executable, arguments: arguments, outputPath: logPath, environment: environment)
        let process = ManagedProcess(pid: child.pid, startTime: Self.startTime(of: child.pid) ?? 0, child: child)
        try? "\(process.pid) \(process.startTime)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        return process
    }

    /// The process `pidFile` names, if it still runs (same pid, same start time).
    public static func adopt(pidFile: String) -> ManagedProcess? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = pid_t(fields[0]), let start = UInt64(fields[1]), pid > 1,
              Self.startTime(of: pid) == start else { return nil }
        return ManagedProcess(pid: pid, startTime: start, child: nil)
    }

    /// A running process known only by its pid (a pid file someone else wrote, like mysqld's):
    /// its start time is read now, so later checks still never mistake a recycled pid for it.
    public static func adopt(pid: pid_t) -> ManagedProcess? {
        guard pid > 1, let start = Self.startTime(of: pid) else { return nil }
        return ManagedProcess(pid: pid, startTime: start, child: nil)
    }

    public var isAdopted: Bool { child == nil }

    public var isRunning: Bool {
        if let child { return child.exit == nil }
        return Self.startTime(of: pid) == startTime
    }

    /// Waits for the exit: the status for our own child, nil for an adopted one (only its
    /// disappearance is visible) or when the waiting task is cancelled.
    public func wait() async -> ProcessExit? {
        if let child { return await child.wait() }
        while isRunning, !Task.isCancelled { await Self.pause(.milliseconds(500)) }
        return nil
    }

    /// Waits at most `timeout`; true when it exited. Waits out the time even in a cancelled
    /// task: stopping is cleanup, and cancellation must not turn the wait into a busy loop.
    public func wait(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline { await Self.pause(.milliseconds(100)) }
        return !isRunning
    }

    /// A sleep that always sleeps. `Task.sleep` returns at once in a cancelled task, and a
    /// polling loop around it would spin on the cooperative pool's few threads (a host once
    /// starved itself that way while stopping adopted pods).
    static func pause(_ duration: Duration) async {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { continuation.resume() }
        }
    }

    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        guard isRunning else { return false }
        return kill(pid, signal) == 0
    }

    /// SIGTERM, then SIGKILL to its process group after `grace`. Returns once it is gone.
    public func stop(grace: Duration) async {
        signal(SIGTERM)
        if await wait(timeout: grace) { return }
        if isRunning { kill(-pid, SIGKILL) }
        _ = await wait(timeout: .seconds(5))
    }

    /// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.
    public static func startTime(of pid: pid_t) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); a zombie has exited.
        guard fields.count > 19, fields[0] != "Z" else { return nil }
        return UInt64(fields[19])
    }
}
