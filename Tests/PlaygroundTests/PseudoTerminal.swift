#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A process on a real pseudo-terminal, as a person at a terminal runs it: the pty is its
/// controlling terminal (its own session), so isatty holds, libedit edits the line, and a
/// written Ctrl-C (0x03) becomes SIGINT through the line discipline, not a signal we send.
final class PseudoTerminal: Sendable {
    // Linux's values (asm-generic/ioctls.h, glibc's spawn.h); Swift's Glibc module lacks them.
    private static let lockPTY: UInt = 0x4004_5431  // TIOCSPTLCK
    private static let ptyNumber: UInt = 0x8004_5430  // TIOCGPTN
    private static let spawnSetsid: Int32 = 0x80  // POSIX_SPAWN_SETSID

    let pid: pid_t
    private let master: Int32
    private let output = Mutex(Data())
    private let exitStatus = Mutex<Int32?>(nil)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ executable: String, _ arguments: [String], environment: [String: String], columns: UInt16 = 200) throws {
        // posix_openpt and friends are not in Swift's Glibc module: the Linux calls they wrap.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.lockPTY, &unlock) == 0, ioctl(master, Self.ptyNumber, &number) == 0 else {
            throw Failure(description: "no pseudo-terminal: errno \(errno)")
        }
        let slavePath = "/dev/pts/\(number)"
        // A wide window, so that no line of the screens wraps.
        var size = winsize(ws_row: 50, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid (glibc runs it before the file actions): the pty becomes the
        // child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(Self.spawnSetsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var environment = environment
        environment["TERM"] = "xterm"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(master)
            throw Failure(description: "cannot start \(executable): errno \(result)")
        }
        self.pid = pid
        self.master = master
        let child = pid

        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(self.master, &buffer, buffer.count)
                if count > 0 {
                    self.output.withLock { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break  // EIO: every holder of the slave side is gone
                }
            }
        }
        reader.start()
        let waiter = Thread { [self] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1, errno == EINTR {}
            // The exit code, or 128 + the signal, as a shell reports it.
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            self.exitStatus.withLock { $0 = code }
        }
        waiter.start()
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil { kill(pid, SIGKILL) }
        close(master)
    }

    /// Everything the process wrote, as received (escape sequences and all).
    var transcript: String { String(decoding: output.withLock { $0 }, as: UTF8.self) }

    /// What a person saw: colour codes removed, carriage-return redraws resolved to their last
    /// state, CRLF as LF.
    var screen: String { Self.plain(transcript) }

    static func plain(_ raw: String) -> String {
        let withoutEscapes = raw.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        return withoutEscapes.replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.split(separator: "\r", omittingEmptySubsequences: false).last(where: { !$0.isEmpty }) ?? "") }
            .joined(separator: "\n")
    }

    /// Types `text` (a person's keys; "\r" is Enter, "\u{03}" Ctrl-C).
    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
    }

    /// Waits until the screen shows `needle` after `offset` characters; returns the end of it.
    @discardableResult
    func expect(_ needle: String, after offset: Int = 0, within limit: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        var exitedAt: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            let screen = self.screen
            let start = screen.index(screen.startIndex, offsetBy: min(offset, screen.count))
            if let range = screen.range(of: needle, range: start..<screen.endIndex) {
                return screen.distance(from: screen.startIndex, to: range.upperBound)
            }
            // After the exit, the last output may still be in the reader: look once more, then give up.
            if exitStatus.withLock({ $0 }) != nil {
                if let exitedAt, ContinuousClock.now - exitedAt > .milliseconds(200) {
                    throw Failure(description: "the process exited (\(exitStatus.withLock { $0 } ?? -1)) without showing \"\(needle)\":\n\(screen)")
                }
                exitedAt = exitedAt ?? .now
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "\"\(needle)\" did not show within \(limit):\n\(screen)")
    }

    /// The exit code (128 + n for signal n), waiting at most `limit`; nil if it still runs.
    func exitCode(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let code = exitStatus.withLock({ $0 }) { return code }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
