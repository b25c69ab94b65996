import Clocks
import Testing

/// The one back-off every retry loop of the operator, its watches and the playground uses.
@Suite struct BackoffTests {
    @Test func withoutJitterItDoublesToItsCapAndStartsOverAfterAReset() {
        var backoff = Backoff(initial: .seconds(10), cap: .seconds(300), jitter: 0)
        let pauses = (0..<7).map { _ in backoff.next() }
        // The kubelet's crash-loop back-off: 10 s doubling, never above 5 minutes.
        #expect(pauses == [.seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160), .seconds(300), .seconds(300)])
        backoff.reset()
        #expect(backoff.next() == .seconds(10), "a container that ran long enough starts over")
    }

    @Test func aPauseAfterSomeFailuresIsTheSameDoubling() {
        let backoff = Backoff(initial: .seconds(10), cap: .seconds(300), jitter: 0)
        #expect((1...7).map(backoff.pause(afterFailures:)) == [.seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160), .seconds(300), .seconds(300)])
        #expect(backoff.pause(afterFailures: 0) == .seconds(10), "no failure yet: the first pause")
        #expect(backoff.pause(afterFailures: 10_000) == .seconds(300), "no overflow, however many")
    }

    @Test func jitterOnlyLengthensAPauseAndByLessThanItsFraction() {
        var backoff = Backoff(initial: .milliseconds(200), cap: .seconds(30), jitter: 0.1)
        var base = Duration.milliseconds(200)
        for _ in 0..<12 {
            let pause = backoff.next()
            #expect(pause >= base && pause < base * 1.1, "\(pause) for a base of \(base)")
            base = min(base * 2, .seconds(30))
        }
    }
}
