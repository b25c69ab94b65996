import Clocks
import Foundation
@testable import Controller

/// Moves a loop test's manual clock the way the controller's own time would pass, one probe
/// round at a time: once a round is complete, the clock jumps to the instant the loop said its
/// next round starts, waking on the way whatever else was due (a back-off, an effect
/// poll, a staleness bound). So a bound of 100 ms is ten rounds, whether the machine runs them
/// in 2 ms or in 2 s: a loaded machine makes a test slower, never different.
///
/// The clock never runs ahead of the time of day since the drive began, so a state the
/// controller holds for 40 ms of its time lasts at least 40 ms for the test that polls for it.
/// Nothing the controller calls in the fake waits on a clock, so a round always completes.
struct ClockDriver {
    let controller: ClusterController

    func run() async {
        let clock = controller.clock
        let rounds = controller.probeRounds
        let began = (clock: clock.now, real: ContinuousClock.now)
        var seen = 0
        while !Task.isCancelled {
            await rounds.wait(until: seen + 1)
            guard !Task.isCancelled else { return }
            seen = rounds.count
            guard let wake = rounds.nextRoundAt, wake > clock.now else { continue }
            // Whether or not the loop sleeps yet, its next round starts at `wake` exactly: a
            // sleep until an instant already reached returns at once.
            let ahead = (wake - began.clock) - (ContinuousClock.now - began.real)
            if ahead > .zero { try? await Task.sleep(for: ahead) }
            guard !Task.isCancelled else { return }
            clock.advance(by: wake - clock.now)
        }
    }
}

extension RoleClock {
    /// A time of day that moves with this clock: what a controller on it stamps its history and
    /// status with, so a back-off measured on the time of day is measured on this clock too.
    func wallClock(from origin: Date = Date()) -> @Sendable () -> Date {
        let start = now
        return { origin.addingTimeInterval((now - start).inSeconds) }
    }
}
