import Foundation
import Synchronization

/// Runs a short-lived program to completion and collects its output. The blocking parts (pipe
/// reads, waiting for exit) run on two dedicated threads, so they never occupy Swift's
/// cooperative pool nor depend on a free Dispatch worker; the timeout is an ordinary task sleep.
enum CredentialProcess {
    struct Outcome: Sendable {
        var status: Int32
        /// True when the program ended by a signal (`status` is then the signal number).
        var signaled: Bool
        var timedOut: Bool
        var stdout: Data
        var stderr: Data
    }

    static func run(executable: String, arguments: [String], environment: [String: String],
                    timeout: Duration) async throws -> Outcome {
        let control = Control()
        let timer = Task {
            try await Task.sleep(for: timeout)
            control.expire()
            // A program that ignores or blocks SIGTERM (signal masks are inherited) gets SIGKILL.
            try await Task.sleep(for: .seconds(2))
            control.kill()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, Error>) in
                Thread {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    process.environment = environment
                    process.standardInput = FileHandle.nullDevice
                    let stdout = Pipe()
                    let stderr = Pipe()
                    process.standardOutput = stdout
                    process.standardError = stderr
                    do {
                        try process.run()
                    } catch {
                        continuation.resume(throwing: error)
                        return
                    }
                    control.started(process)
                    // Read both pipes at once: a program that fills stderr must not block on it
                    // while we wait for stdout.
                    let errors = Mutex<Data?>(nil)
                    let errorsRead = DispatchSemaphore(value: 0)
                    Thread {
                        let data = stderr.fileHandleForReading.readDataToEndOfFile()
                        errors.withLock { $0 = data }
                        errorsRead.signal()
                    }.start()
                    let output = stdout.fileHandleForReading.readDataToEndOfFile()
                    errorsRead.wait()
                    process.waitUntilExit()
                    control.finished()
                    continuation.resume(returning: Outcome(
                        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                        timedOut: control.didExpire, stdout: output, stderr: errors.withLock { $0 } ?? Data()))
                }.start()
            }
        } onCancel: {
            control.expire(cancelled: true)
        }
    }

    /// Lets a timeout or a cancelled task terminate the running process exactly once.
    private final class Control: Sendable {
        private struct State {
            var process: Process?
            var done = false
            var expired = false
            var cancelledEarly = false
        }
        private let state = Mutex(State())

        func started(_ process: Process) {
            let terminateNow = state.withLock { state in
                state.process = process
                return state.cancelledEarly
            }
            if terminateNow { process.terminate() }
        }

        func expire(cancelled: Bool = false) {
            let process: Process? = state.withLock { state in
                guard !state.done else { return nil }
                if state.process == nil { state.cancelledEarly = true }
                state.expired = state.expired || !cancelled
                return state.process
            }
            process?.terminate()
        }

        func kill() {
            let process: Process? = state.withLock { $0.done ? nil : $0.process }
            if let process { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
        }

        func finished() { state.withLock { $0.done = true } }

        var didExpire: Bool { state.withLock { $0.expired } }
    }
}
