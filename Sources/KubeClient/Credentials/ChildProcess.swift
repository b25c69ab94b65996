import Dispatch
import Foundation
import Synchronization

/// Runs a short-lived program to completion and collects its output, on Dispatch threads so
/// that neither the blocking pipe reads nor the wait ever occupy Swift's cooperative pool.
enum ChildProcess {
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
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, Error>) in
                DispatchQueue.global().async {
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
                    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { control.expire() }

                    // Read both pipes at once: a plugin that fills stderr must not block on it
                    // while we wait for stdout.
                    let errors = Mutex(Data())
                    let group = DispatchGroup()
                    group.enter()
                    DispatchQueue.global().async {
                        let data = stderr.fileHandleForReading.readDataToEndOfFile()
                        errors.withLock { $0 = data }
                        group.leave()
                    }
                    let output = stdout.fileHandleForReading.readDataToEndOfFile()
                    group.wait()
                    process.waitUntilExit()
                    control.finished()
                    continuation.resume(returning: Outcome(
                        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                        timedOut: control.didExpire, stdout: output, stderr: errors.withLock { $0 }))
                }
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
                if state.process == nil, cancelled { state.cancelledEarly = true }
                state.expired = state.expired || !cancelled
                return state.process
            }
            process?.terminate()
        }

        func finished() { state.withLock { $0.done = true } }

        var didExpire: Bool { state.withLock { $0.expired } }
    }
}
