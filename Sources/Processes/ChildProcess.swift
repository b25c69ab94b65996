import Foundation
import Galera
import Synchronization

/// A process the agent started, in its own process group, with default signal dispositions
/// (the agent ignores SIGTERM/SIGPIPE for its own handling; children must not inherit that).
/// A dedicated thread waits for it, so its exit is recorded exactly once, however many await it.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    private let state = Mutex<State>(State())

    private struct State {
        var exit: ProcessExit?
        var waiters: [CheckedContinuation<ProcessExit, Never>] = []
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var executable: String
        public var errno: Int32
        public var description: String {
            "cannot start \(executable): \(String(cString: strerror(errno))) (errno \(errno)); is it installed and on PATH?"
        }
    }

    /// Starts `executable` (searched on PATH when it has no slash). stdout and stderr go to
    /// `outputPath` (appended) or /dev/null; stdin is /dev/null; no other descriptor is inherited.
    /// With `standardInput` or `standardOutput` (a pipe's end, say) the child reads or writes
    /// that descriptor instead, and only stderr goes to `outputPath`; the caller closes its copy.
    /// With `newSession` the child leads a session of its own instead of only a process group:
    /// everything it starts stays in that session even when it makes process groups of its own
    /// (the agent does for mysqld, mysqld does for its SST script), so the session can stand for
    /// a container's cgroup (`ProcessSession`).
    ///
    /// `standardError` gives stderr a descriptor of its own too. With `terminal` (a pseudo-terminal's
    /// device, and `newSession`), the child opens it as its stdin, stdout and stderr, and so makes it
    /// its session's controlling terminal, as a shell on a terminal has it.
    public static func spawn(
        _ executable: String, arguments: [String], outputPath: String?, environment: [String: String]? = nil,
        standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil, terminal: String? = nil,
        newSession: Bool = false
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let terminal {
            // The session is new (setsid comes before the file actions): the first terminal it
            // opens becomes its controlling terminal.
            posix_spawn_file_actions_addopen(&actions, 0, terminal, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
        } else {
            if let standardInput {
                posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
            } else {
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            }
            if let standardOutput {
                posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
                if let standardError {
                    posix_spawn_file_actions_adddup2(&actions, standardError, 2)
                } else {
                    posix_spawn_file_actions_addopen(&actions, 2, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o640)
                }
            } else {
                posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o640)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            }
        }
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        // A session leader leads its process group too; asking for both makes glibc's setpgid fail.
        let grouping = newSession ? Self.spawnSetSession : Int32(POSIX_SPAWN_SETPGROUP)
        if !newSession { posix_spawnattr_setpgroup(&attributes, 0) }
        posix_spawnattr_setflags(&attributes, Int16(grouping | Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)))

        var environment = environment ?? ProcessInfo.processInfo.environment
        // The SST scripts need socat, the backup tool and coreutils.
        let path = environment["PATH"] ?? ""
        environment["PATH"] = ([path] + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .filter { !$0.isEmpty }.joined(separator: ":")
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }

        var pid: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawnp(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard result == 0 else { throw SpawnError(executable: executable, errno: result) }
        let child = ChildProcess(pid: pid, executable: executable)
        let thread = Thread { child.waitForExit() }
        thread.name = "wait-\(pid)"
        thread.start()
        return child
    }

    /// glibc's `POSIX_SPAWN_SETSID` (2.26 and later): behind `__USE_GNU`, so not in Swift's Glibc module.
    static let spawnSetSession: Int32 = 0x80

    private init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    /// nil while the process runs.
    public var exit: ProcessExit? { state.withLock { $0.exit } }

    /// Waits for the exit; returns at once if it already happened.
    public func wait() async -> ProcessExit {
        await withCheckedContinuation { continuation in
            let done: ProcessExit? = state.withLock { state in
                if let exit = state.exit { return exit }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Waits at most `timeout`; nil if the process still runs.
    public func wait(timeout: Duration) async -> ProcessExit? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let exit { return exit }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return exit
    }

    /// Sends `signal` to the process only.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        guard exit == nil else { return false }
        return kill(pid, signal) == 0
    }

    /// Sends `signal` to the whole process group, and to every process below this one whatever
    /// group or session it moved to: mysqld starts its SST script in a session of its own, and a
    /// joiner killed in its transfer left that script's receiver listening on the SST port, so
    /// each later join failed at once (SIGABRT) until the receiver gave up. The tree is read
    /// before anything is signalled (a killed parent's children move to another parent).
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool {
        let below = Self.descendants(of: pid)
        let delivered = kill(-pid, signal) == 0
        let own = getpgrp()
        for process in below {
            if process.group > 1, process.group != own, process.group != pid { kill(-process.group, signal) }
            kill(process.pid, signal)
        }
        return delivered
    }

    /// Every process below `root` (children, their children ...), read from /proc. Empty where
    /// /proc cannot be read.
    static func descendants(of root: pid_t) -> [ProcessStat] {
        let children = Dictionary(grouping: ProcessStat.all(), by: \.parent)
        var found: [ProcessStat] = []
        var seen: Set<pid_t> = []
        var queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where seen.insert(child.pid).inserted {
                found.append(child)
                queue.append(child.pid)
            }
        }
        return found
    }

    private func waitForExit() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR {
                // Someone else reaped it; nothing better to record than "unknown, not clean".
                status = -1
                break
            }
        }
        let exit: ProcessExit
        if status == -1 {
            exit = .exited(code: -1)
        } else if status & 0x7f == 0 {
            exit = .exited(code: (status >> 8) & 0xff)
        } else {
            exit = .signaled(signal: status & 0x7f)
        }
        let waiters = state.withLock { state in
            state.exit = exit
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }
}

/// Keeps the agent's own descriptors (its listening socket above all) out of mysqld, or a
/// restarted agent could not bind while an old mysqld lives. glibc's closefrom action is not in
/// Swift's Glibc module, so it is looked up at run time; without it every open descriptor is
/// closed one by one.
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        if closeFrom(&actions, 3) == 0 { return }
    }
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for descriptor in descriptors.compactMap({ Int32($0) }) where descriptor > 2 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
}

/// Runs `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
