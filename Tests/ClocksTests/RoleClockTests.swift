import Clocks
import Synchronization
import Testing

/// The manual clock the loops' tests run on: it stands still until moved, wakes each sleeper at
/// its deadline (earliest first), and a cancelled sleep ends at once, whenever the cancellation
/// comes.
@Suite struct RoleClockTests {
    final class Woken: Sendable {
        private let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// Waits (yielding, not sleeping) until `count` tasks sleep on `clock`.
    static func sleepers(_ count: Int, on clock: RoleClock) async {
        while clock.sleepers < count { await Task.yield() }
    }

    @Test func standsStillAndWakesEachSleeperAtItsDeadline() async throws {
        let clock = RoleClock.manual()
        let start = clock.now
        let woken = Woken()
        let late = Task {
            try await clock.sleep(for: .seconds(10))
            woken.add("late")
        }
        let early = Task {
            try await clock.sleep(until: start.advanced(by: .seconds(3)), tolerance: nil)
            woken.add("early")
        }
        await Self.sleepers(2, on: clock)
        #expect(clock.now == start, "a manual clock stands still")
        clock.advance(by: .milliseconds(2999))
        #expect(clock.sleepers == 2, "nobody's deadline was reached")
        clock.advance(by: .milliseconds(1))
        try await early.value
        #expect(woken.all == ["early"])
        #expect(clock.sleepers == 1)
        clock.advance(by: .seconds(60))
        try await late.value
        #expect(woken.all == ["early", "late"])
        #expect(clock.now == start.advanced(by: .seconds(63)))
    }

    @Test func aDeadlineAlreadyPassedDoesNotSleep() async throws {
        let clock = RoleClock.manual()
        try await clock.sleep(until: clock.now, tolerance: nil)
        try await clock.sleep(for: .zero)
        #expect(clock.sleepers == 0)
    }

    @Test func aCancelledSleepEndsAtOnce() async {
        let clock = RoleClock.manual()
        let sleeping = Task { try await clock.sleep(for: .seconds(3600)) }
        await Self.sleepers(1, on: clock)
        sleeping.cancel()
        await #expect(throws: CancellationError.self) { try await sleeping.value }
        #expect(clock.sleepers == 0)
        // Cancelled before it began to sleep: it never registers.
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(1))
        }
        await #expect(throws: CancellationError.self) { try await cancelledFirst.value }
        #expect(clock.sleepers == 0)
    }

    @Test func theContinuousClockIsTheMachinesOwn() async throws {
        let clock = RoleClock.continuous
        let before = ContinuousClock.now
        try await clock.sleep(for: .milliseconds(20))
        #expect(before.duration(to: clock.now) >= .milliseconds(20))
        #expect(clock.sleepers == 0)
    }

    @Test func repeatedWorkRunsOncePerIntervalAfterEachRunEnds() async throws {
        let clock = RoleClock.manual()
        let runs = Woken()
        let heartbeat = Task { await clock.repeating(every: .seconds(5), first: .afterOneInterval) { runs.add("beat") } }
        let poll = Task { await clock.repeating(every: .seconds(1), first: .atOnce) { runs.add("poll") } }
        await Self.sleepers(2, on: clock)
        #expect(runs.all == ["poll"], "the poll runs at once, the heartbeat only after its interval")
        // 4.999 s in one move: one more poll (its next is a second after that run), no heartbeat.
        clock.advance(by: .milliseconds(4999))
        await Self.sleepers(2, on: clock)
        #expect(runs.all.filter { $0 == "beat" }.isEmpty)
        #expect(runs.all.filter { $0 == "poll" }.count == 2)
        // Moved a second at a time, the poll runs once per second; the heartbeat once, its 5 s passed.
        for _ in 0..<5 {
            clock.advance(by: .seconds(1))
            await Self.sleepers(2, on: clock)
        }
        #expect(runs.all.filter { $0 == "beat" }.count == 1)
        #expect(runs.all.filter { $0 == "poll" }.count == 2 + 5)
        // One big jump is one run each: a pause after every run, never a burst to catch up.
        clock.advance(by: .seconds(60))
        await Self.sleepers(2, on: clock)
        #expect(runs.all.filter { $0 == "beat" }.count == 2)
        #expect(runs.all.filter { $0 == "poll" }.count == 8)
        heartbeat.cancel()
        poll.cancel()
        await heartbeat.value
        await poll.value
        #expect(clock.sleepers == 0, "cancelled, both loops end")
    }
}
