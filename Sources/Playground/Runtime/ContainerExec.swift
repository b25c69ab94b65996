import Processes
import Foundation
import Galera
import KubeServer

/// `kubectl exec` into a playground container: the command runs with the container's
/// environment and user (its image's user database included), as a session of its own (which
/// the pod's worker records, and ends with the container), on a pseudo-terminal when a terminal
/// was asked for (`-t`), else on pipes. The API server streams it (`ExecStream`); this is the
/// kubelet's half.
enum ContainerExec {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A started command: what the exec stream drives, and its session (pid and start time read
    /// at the spawn, so a recycled pid is never taken for it).
    struct Started {
        var process: ExecProcess
        var session: ProcessSession
    }

    static func start(_ request: ExecRequest, environment: [String: String], identity: ContainerIdentity?) throws -> Started {
        var command = request.command
        if let identity {
            let groups = identity.groups.isEmpty ? ["--clear-groups"] : ["--groups=\(identity.groups.map(String.init).joined(separator: ","))"]
            command = [ManagedProcess.setpriv, "--reuid=\(identity.uid)", "--regid=\(identity.gid)"] + groups + ["--"] + command
        }
        var environment = environment
        if request.tty, environment["TERM"] == nil { environment["TERM"] = "xterm" }
        return request.tty
            ? try startOnTerminal(command, environment: environment)
            : try startOnPipes(command, environment: environment, stdin: request.stdin)
    }

    /// A pipe, or nothing and no descriptor left open.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }

    private static func startOnPipes(_ command: [String], environment: [String: String], stdin wanted: Bool) throws -> Started {
        var opened: [Int32] = []
        func closeAll() { for fd in opened { close(fd) } }
        let input: (read: Int32, write: Int32)?, output: (read: Int32, write: Int32), errors: (read: Int32, write: Int32)
        do {
            // Without stdin the command reads /dev/null: `kubectl exec POD -- cat` ends at once.
            input = wanted ? try pipe() : nil
            if let input { opened += [input.read, input.write] }
            output = try pipe()
            opened += [output.read, output.write]
            errors = try pipe()
            opened += [errors.read, errors.write]
        } catch {
            closeAll()
            throw error
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(command[0], arguments: Array(command.dropFirst()), outputPath: nil, environment: environment,
                                           standardInput: input?.read, standardOutput: output.write, standardError: errors.write,
                                           newSession: true)
        } catch {
            closeAll()
            throw error
        }
        if let input { close(input.read) }
        close(output.write)
        close(errors.write)
        let stdin = input.map { Descriptor($0.write) }
        let session = ProcessSession(leader: child.pid, startTime: ManagedProcess.startTime(of: child.pid) ?? 0)
        return Started(process: ExecProcess(
            write: { data in await stdin?.write(data) },
            stdout: reading(output.read), stderr: reading(errors.read),
            resize: { _, _ in },
            wait: {
                let exit = await child.wait()
                stdin?.close()
                return exitCode(exit)
            },
            kill: { Task { await session.killAllOffThePool() } }), session: session)
    }

    private static func startOnTerminal(_ command: [String], environment: [String: String]) throws -> Started {
        guard let (master, device) = PseudoTerminal.open() else {
            throw Failure(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let reader = dup(master)
        guard reader >= 0 else {
            close(master)
            throw Failure(description: "cannot duplicate the terminal: \(String(cString: strerror(errno)))")
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(command[0], arguments: Array(command.dropFirst()), outputPath: nil, environment: environment,
                                           terminal: device, newSession: true)
        } catch {
            close(master)
            close(reader)
            throw error
        }
        // Writes and resizes go through one owner of the master, which closes it once: a late
        // keystroke never reaches a descriptor the kernel has since given to something else.
        let terminal = Descriptor(master)
        let (empty, finished) = AsyncStream<Data>.makeStream()
        finished.finish()
        let session = ProcessSession(leader: child.pid, startTime: ManagedProcess.startTime(of: child.pid) ?? 0)
        return Started(process: ExecProcess(
            write: { data in
                // A closed stdin on a terminal is its end-of-file character.
                await terminal.write(data.isEmpty ? Data([0x04]) : data)
            },
            stdout: reading(reader), stderr: empty,
            resize: { width, height in terminal.resize(width: width, height: height) },
            wait: {
                let exit = await child.wait()
                terminal.close()
                return exitCode(exit)
            },
            kill: { Task { await session.killAllOffThePool() } }), session: session)
    }

    /// glibc's pseudo-terminal calls are behind _XOPEN_SOURCE, out of Swift's Glibc module: they
    /// are looked up at run time.
    enum PseudoTerminal {
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias Unlock = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

        static func open() -> (master: Int32, device: String)? {
            let libc = UnsafeMutableRawPointer(bitPattern: 0)
            guard let openSymbol = dlsym(libc, "posix_openpt"), let unlockSymbol = dlsym(libc, "unlockpt"),
                  let nameSymbol = dlsym(libc, "ptsname_r") else { return nil }
            let master = unsafeBitCast(openSymbol, to: OpenPT.self)(O_RDWR | O_NOCTTY)
            guard master >= 0 else { return nil }
            var name = [CChar](repeating: 0, count: 128)
            guard unsafeBitCast(unlockSymbol, to: Unlock.self)(master) == 0,
                  unsafeBitCast(nameSymbol, to: Name.self)(master, &name, name.count) == 0 else {
                close(master)
                return nil
            }
            return (master, String(cString: name))
        }
    }

    private static func exitCode(_ exit: ProcessExit) -> Int32? {
        if case .exited(let code) = exit { return code }
        return nil
    }

    /// A descriptor's bytes as a stream, read on a thread of its own until end of file (a
    /// terminal's master reports EIO once every process has let go of it).
    private static func reading(_ fd: Int32) -> AsyncStream<Data> {
        AsyncStream { continuation in
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 32 << 10)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        continuation.yield(Data(buffer[0..<count]))
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(fd)
                continuation.finish()
            }
            thread.start()
        }
    }

    /// A descriptor written in order from any task, on a queue of its own: a write into a full
    /// pipe (a client importing a dump faster than mysql reads it) blocks that queue, never the
    /// cooperative pool. It closes its descriptor once, then drops what still comes.
    final class Descriptor: @unchecked Sendable {
        private let queue = DispatchQueue(label: "qmysql.exec.descriptor")
        private let lock = NSLock()
        private var fd: Int32

        init(_ fd: Int32) { self.fd = fd }

        deinit { if fd >= 0 { Glibc.close(fd) } }

        /// Writes all of `data` (an empty chunk closes the descriptor), then returns.
        func write(_ data: Data) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                queue.async {
                    if data.isEmpty { self.close() } else { self.writeAll(data) }
                    continuation.resume()
                }
            }
        }

        func close() {
            lock.lock()
            defer { lock.unlock() }
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        func resize(width: Int, height: Int) {
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { return }
            var size = winsize(ws_row: UInt16(clamping: height), ws_col: UInt16(clamping: width), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(fd, UInt(TIOCSWINSZ), &size)
        }

        /// Under the lock, so the descriptor cannot be closed (and its number reused) mid-write;
        /// a blocked write ends with EPIPE or EIO once the command has exited.
        private func writeAll(_ data: Data) {
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { return }
            data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // the reader is gone (EPIPE: SIGPIPE is ignored by the host)
                    }
                    offset += written
                }
            }
        }
    }
}
