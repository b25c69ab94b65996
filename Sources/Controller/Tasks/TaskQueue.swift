import Clocks
import Logging

/// The serial queue of one cluster: two tasks never run at once, and fault recovery is taken
/// before anything else that is waiting, whatever the order they were enqueued in.
///
/// Health checks only enqueue; `run()` executes. At most one task with a given key may wait at a
/// time (a second fault-recovery request while one waits adds nothing: the waiting one will decide
/// from fresh observations when it starts).
public actor TaskQueue {
    public struct Finished: Sendable {
        public var kind: ClusterTask.Kind
        public var summary: String
        public var result: TaskResult
        public var duration: Duration
    }

    private var waiting: [ClusterTask] = []
    private var running: ClusterTask.Kind?
    private var wakeUp: CheckedContinuation<Void, Never>?
    private let logger: Logger
    /// What each task's deadline is measured on.
    private let clock: RoleClock

    public init(logger: Logger, clock: RoleClock = .continuous) {
        self.logger = logger
        self.clock = clock
    }

    /// Adds a task. Returns false, adding nothing, when a task with the same key is already waiting.
    @discardableResult
    public func enqueue(_ task: ClusterTask) -> Bool {
        guard !waiting.contains(where: { $0.key == task.key }) else { return false }
        waiting.append(task)
        wakeUp?.resume()
        wakeUp = nil
        return true
    }

    /// Tasks waiting, plus the one running.
    public var depth: Int { waiting.count + (running == nil ? 0 : 1) }

    /// Whether a task of this kind is waiting or running.
    public func isPending(_ kind: ClusterTask.Kind) -> Bool {
        running == kind || waiting.contains { $0.kind == kind }
    }

    /// Whether a task of this kind is waiting (not running): a long task that yields to fault
    /// recovery asks this.
    public func isWaiting(_ kind: ClusterTask.Kind) -> Bool {
        waiting.contains { $0.kind == kind }
    }

    /// Runs tasks one after the other until the surrounding task is cancelled; `onFinish` hears
    /// of every task that ended.
    public func run(onFinish: @Sendable (Finished) async -> Void = { _ in }) async {
        while !Task.isCancelled {
            guard let task = next() else {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        if !waiting.isEmpty || Task.isCancelled {
                            continuation.resume()
                        } else {
                            wakeUp = continuation
                        }
                    }
                } onCancel: {
                    Task { await self.cancelWait() }
                }
                continue
            }
            running = task.kind
            let finished = await execute(task)
            running = nil
            await onFinish(finished)
        }
    }

    private func cancelWait() {
        wakeUp?.resume()
        wakeUp = nil
    }

    /// The waiting task with the highest priority; first come, first served within a kind.
    private func next() -> ClusterTask? {
        guard let index = waiting.indices.min(by: { waiting[$0].kind < waiting[$1].kind }) else { return nil }
        return waiting.remove(at: index)
    }

    private func execute(_ task: ClusterTask) async -> Finished {
        var log = logger
        log[metadataKey: "task"] = "\(task.kind.rawValue): \(task.summary)"
        log.info("task started", metadata: ["deadline": "\(task.deadline)"])
        let start = clock.now
        let result: TaskResult
        do {
            let message = try await withDeadline(task.deadline, "task '\(task.summary)'", clock: clock, task.work)
            result = .succeeded(message)
            log.info("task succeeded", metadata: ["result": "\(message)"])
        } catch let error as DeadlineExceeded {
            result = .timedOut(after: error.deadline)
            log.error("\(error)")
        } catch {
            result = .failed("\(error)")
            log.error("task failed", metadata: ["error": "\(error)"])
        }
        return Finished(kind: task.kind, summary: task.summary, result: result, duration: clock.now - start)
    }
}
