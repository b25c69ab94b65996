import Processes
import Foundation
import Galera

/// A process the playground runs, started here or adopted from an earlier run of the
/// playground's host (which may have crashed while its pods kept running).
///
/// A process is known by its pid and its start time (field 22 of /proc/PID/stat), recorded in
/// a pid file next to its log: a pid the kernel recycled for another process never matches, so
/// the playground never signals a stranger.
///
/// A container's process leads a session of its own (`spawn(..., session: true)`), which stands
/// for its cgroup: stopping it, or its exit, ends every process it started (`ProcessSession`).
public final class ManagedProcess: Sendable {
    public let pid: pid_t
    public let startTime: UInt64
    /// The session it leads, for a container's process.
    public let session: ProcessSession?
    /// Our own child: its exit status is known. nil for an adopted process.
    private let child: ChildProcess?

    private init(pid: pid_t, startTime: UInt64, leadsSession: Bool, child: ChildProcess?) {
        self.pid = pid
        self.startTime = startTime
        session = leadsSession ? ProcessSession(leader: pid, startTime: startTime) : nil
        self.child = child
    }

    /// Starts `executable` with exactly `environment`, output appended to `logPath`, and records
    /// it in `pidFile`. The process gets its own process group, so a terminal's Ctrl-C reaches
    /// only the command the user typed; with `session`, a session of its own (a container).
    /// With `identity` it runs as that user and those groups (util-linux's `setpriv`, which
    /// execs it: the pid is the process's own); only root can switch.
    public static func spawn(_ executable: String, arguments: [String], environment: [String: String],
                             logPath: String, pidFile: String, session: Bool = false,
                             identity: ContainerIdentity? = nil) throws -> ManagedProcess {
        var command = (executable, arguments)
        if let identity {
            let groups = identity.groups.isEmpty ? ["--clear-groups"] : ["--groups=\(identity.groups.map(String.init).joined(separator: ","))"]
            command = (Self.setpriv, ["--reuid=\(identity.uid)", "--regid=\(identity.gid)"] + groups + ["--", executable] + arguments)
        }
        let child = try ChildProcess.spawn(command.0, arguments: command.1, outputPath: logPath, environment: environment,
                                           newSession: session)
        let process = ManagedProcess(pid: child.pid, startTime: Self.startTime(of: child.pid) ?? 0, leadsSession: session, child: child)
        try? Self.line(pid: process.pid, startTime: process.startTime, session: session).write(toFile: pidFile, atomically: true, encoding: .utf8)
        return process
    }

    /// Records a session (an exec's) in a pid file of the same form.
    public static func record(_ session: ProcessSession, to pidFile: String) throws {
        try line(pid: session.leader, startTime: session.startTime, session: true).write(toFile: pidFile, atomically: true, encoding: .utf8)
    }

    /// `PID START [session] boot=ID`: the boot id makes a file written before a reboot name no
    /// process of this boot.
    private static func line(pid: pid_t, startTime: UInt64, session: Bool) -> String {
        "\(pid) \(startTime)\(session ? " session" : "") boot=\(ProcessSession.bootID)\n"
    }

    /// util-linux's privilege switcher (Essential in Debian).
    public static let setpriv = "/usr/bin/setpriv"

    /// The process `pidFile` names, if it still runs (same pid, same start time).
    public static func adopt(pidFile: String) -> ManagedProcess? {
        guard let recorded = recorded(pidFile: pidFile), Self.startTime(of: recorded.pid) == recorded.startTime else { return nil }
        return ManagedProcess(pid: recorded.pid, startTime: recorded.startTime, leadsSession: recorded.session != nil, child: nil)
    }

    /// What `pidFile` records, whether or not the process still runs: a container whose first
    /// process has exited may still have processes in its session. Nothing for a file of another
    /// boot, or when a process of another start time holds the pid now: then the session's id
    /// belongs to a stranger (the kernel keeps a pid while its session has members, so a live
    /// stranger with the leader's pid means the recorded session is empty).
    public static func recorded(pidFile: String) -> (pid: pid_t, startTime: UInt64, session: ProcessSession?)? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count >= 2, let pid = pid_t(fields[0]), let start = UInt64(fields[1]), pid > 1 else { return nil }
        if let boot = fields.first(where: { $0.hasPrefix("boot=") }), boot != "boot=\(ProcessSession.bootID)" { return nil }
        if let running = startTime(of: pid), running != start { return nil }
        let session = fields.dropFirst(2).contains("session") ? ProcessSession(leader: pid, startTime: start) : nil
        return (pid, start, session)
    }

    /// A running process known only by its pid (a pid file someone else wrote, like mysqld's):
    /// its start time is read now, so later checks still never mistake a recycled pid for it.
    public static func adopt(pid: pid_t) -> ManagedProcess? {
        guard pid > 1, let start = Self.startTime(of: pid) else { return nil }
        return ManagedProcess(pid: pid, startTime: start, leadsSession: false, child: nil)
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

    /// SIGTERM, then SIGKILL to its process group after `grace`; a container's whole session
    /// goes then too, whether its first process left in time or not (as a container's PID
    /// namespace ends with its first process). Returns once it is gone.
    public func stop(grace: Duration) async {
        signal(SIGTERM)
        if await wait(timeout: grace) {
            await endSession()
            return
        }
        if isRunning { kill(-pid, SIGKILL) }
        _ = await wait(timeout: .seconds(5))
        await endSession()
    }

    /// Kills whatever is left in its session (nothing for a process that leads none); returns
    /// what was still there.
    @discardableResult
    public func endSession() async -> [ProcessSession.Member] {
        await session?.killAllOffThePool() ?? []
    }

    /// When the process started, in clock ticks since boot; nil once it is gone (or a zombie:
    /// it has exited).
    public static func startTime(of pid: pid_t) -> UInt64? {
        ProcessStat.read(pid).flatMap { $0.isZombie ? nil : $0.startTime }
    }
}
