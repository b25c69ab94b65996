import Clocks
import Logging
import Synchronization
import Testing
@testable import Controller

/// Records what ran, in which order, and how many ran at once.
final class TaskLog: Sendable {
    private let state = Mutex<(order: [String], running: Int, maxRunning: Int)>(([], 0, 0))
    func begin(_ name: String) {
        state.withLock { $0.order.append(name); $0.running += 1; $0.maxRunning = max($0.maxRunning, $0.running) }
    }
    func end() { state.withLock { $0.running -= 1 } }
    var order: [String] { state.withLock { $0.order } }
    var maxRunning: Int { state.withLock { $0.maxRunning } }
}

@Suite("The serial task queue")
struct TaskQueueTests {
    func task(_ kind: ClusterTask.Kind, _ name: String, log: TaskLog, sleep: Duration = .milliseconds(20), deadline: Duration = .seconds(5)) -> ClusterTask {
        ClusterTask(kind: kind, key: name, summary: name, deadline: deadline) {
            log.begin(name)
            defer { log.end() }
            try await Task.sleep(for: sleep)
            return "\(name) done"
        }
    }

    /// Runs the queue until `count` tasks finished; returns how each ended.
    func drain(_ queue: TaskQueue, count: Int) async -> [TaskQueue.Finished] {
        let finished = Mutex<[TaskQueue.Finished]>([])
        let runner = Task { await queue.run { result in finished.withLock { $0.append(result) } } }
        let deadline = ContinuousClock.now + .seconds(20)
        while finished.withLock({ $0.count }) < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        runner.cancel()
        await runner.value
        return finished.withLock { $0 }
    }

    @Test func faultRecoveryRunsBeforeEverythingElseWaiting() async {
        let log = TaskLog()
        let queue = TaskQueue(logger: Logger(label: "test"))
        await queue.enqueue(task(.backup, "backup", log: log))
        await queue.enqueue(task(.restart, "restart n1", log: log))
        await queue.enqueue(task(.faultRecovery, "recover", log: log))
        let finished = await drain(queue, count: 3)
        #expect(log.order == ["recover", "restart n1", "backup"])
        #expect(finished.allSatisfy { $0.result.isSuccess })
    }

    @Test func twoTasksNeverRunAtOnce() async {
        let log = TaskLog()
        let queue = TaskQueue(logger: Logger(label: "test"))
        let runner = Task { await queue.run() }
        for index in 0..<4 {
            await queue.enqueue(task(.restart, "restart \(index)", log: log))
            await queue.enqueue(task(.faultRecovery, "recover \(index)", log: log))
            await queue.enqueue(task(.backup, "backup \(index)", log: log))
            try? await Task.sleep(for: .milliseconds(15))
        }
        while await queue.depth > 0 { try? await Task.sleep(for: .milliseconds(10)) }
        runner.cancel()
        await runner.value
        #expect(log.maxRunning == 1)
        #expect(log.order.count == 12)
    }

    @Test func aSecondRequestOfTheSameKindWhileOneWaitsAddsNothing() async {
        let queue = TaskQueue(logger: Logger(label: "test"))
        let log = TaskLog()
        #expect(await queue.enqueue(ClusterTask(kind: .faultRecovery, summary: "first", deadline: .seconds(1)) { "" }))
        #expect(await !queue.enqueue(ClusterTask(kind: .faultRecovery, summary: "second", deadline: .seconds(1)) { "" }))
        #expect(await queue.enqueue(task(.restart, "restart n1", log: log)))
        #expect(await queue.enqueue(task(.restart, "restart n2", log: log)))
        #expect(await !queue.enqueue(task(.restart, "restart n1", log: log)))
        #expect(await queue.isPending(.faultRecovery))
        #expect(await queue.depth == 3)
    }

    /// On a manual clock: the deadline is measured on the queue's clock, so the stuck task is
    /// cut exactly when 200 ms of that clock have passed (not a millisecond before), whatever
    /// the machine is doing, and the next task runs.
    @Test func aTaskPastItsDeadlineIsCancelledAndTheNextRuns() async {
        let clock = RoleClock.manual()
        let log = TaskLog()
        let queue = TaskQueue(logger: Logger(label: "test"), clock: clock)
        await queue.enqueue(ClusterTask(kind: .faultRecovery, key: "stuck", summary: "stuck", deadline: .milliseconds(200)) {
            log.begin("stuck")
            defer { log.end() }
            try await clock.sleep(for: .seconds(30))
            return "stuck done"
        })
        await queue.enqueue(task(.backup, "after", log: log, sleep: .zero))
        let finished = Mutex<[TaskQueue.Finished]>([])
        let runner = Task { await queue.run { result in finished.withLock { $0.append(result) } } }
        // The stuck task sleeps, and so does its deadline.
        while clock.sleepers < 2 { await Task.yield() }
        clock.advance(by: .milliseconds(199))
        #expect(clock.sleepers == 2 && finished.withLock { $0.isEmpty }, "not cut before its deadline")
        clock.advance(by: .milliseconds(1))
        while finished.withLock({ $0.count }) < 2 { await Task.yield() }
        runner.cancel()
        await runner.value
        let results = finished.withLock { $0 }
        #expect(results.first?.result == .timedOut(after: .milliseconds(200)))
        #expect(results.first?.duration == .milliseconds(200), "the task's duration is the clock's")
        #expect(results.last?.result == .succeeded("after done"))
        #expect(log.order == ["stuck", "after"])
    }

    @Test func aFailingTaskReportsItsError() async {
        struct Broken: Error, CustomStringConvertible { var description: String { "agent of n1 refused: unsafeBootstrap" } }
        let queue = TaskQueue(logger: Logger(label: "test"))
        await queue.enqueue(ClusterTask(kind: .faultRecovery, summary: "broken", deadline: .seconds(5)) { throw Broken() })
        let finished = await drain(queue, count: 1)
        #expect(finished.first?.result == .failed("agent of n1 refused: unsafeBootstrap"))
    }

    /// A task's work learns of both its deadline and its queue stopping as a cancellation; only
    /// the deadline is a failure. What the work sees when cancelled, in each case: the deadline
    /// is marked passed before the work is cancelled, and a stop never marks it.
    @Test func aTaskTellsItsDeadlineFromItsQueueStopping() async {
        let seen = Mutex<[String: Bool]>([:])
        func waitForCancel(_ key: String) -> @Sendable () async throws -> String {
            {
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                let passed = DeadlineScope.passed
                seen.withLock { $0[key] = passed }
                throw CancellationError()
            }
        }
        let queue = TaskQueue(logger: Logger(label: "test"))
        await queue.enqueue(ClusterTask(kind: .backup, key: "deadline", summary: "deadline", deadline: .milliseconds(50),
                                        work: waitForCancel("deadline")))
        let finished = await drain(queue, count: 1)
        #expect(finished.first?.result == .timedOut(after: .milliseconds(50)))
        #expect(seen.withLock { $0["deadline"] } == true, "cancelled by its deadline, the work sees it passed")

        await queue.enqueue(ClusterTask(kind: .backup, key: "stop", summary: "stop", deadline: .seconds(60),
                                        work: waitForCancel("stop")))
        let runner = Task { await queue.run() }
        // Enqueued, it waits until the runner takes it: then it runs.
        let bound = ContinuousClock.now + .seconds(20)
        while await queue.isWaiting(.backup), ContinuousClock.now < bound {
            try? await Task.sleep(for: .milliseconds(5))
        }
        runner.cancel()
        await runner.value
        #expect(seen.withLock { $0["stop"] } == false, "cancelled by the queue stopping, its deadline has not passed")
        #expect(DeadlineScope.passed == false, "outside a task, no deadline")
    }
}
