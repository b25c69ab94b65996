import Clocks
import KubeAPI
import KubeClient
@testable import KubeRuntime
import Logging
import Synchronization
import Testing

/// Leader election's timings on a manual clock, against the real local API server: a Lease is
/// taken over exactly when it has not changed for `leaseDuration` of the standby's own time,
/// never before, however long the requests take; a lost Lease ends the leader's renewals.
@Suite(.timeLimit(.minutes(1))) struct LeaderElectorTests {
    final class Ended: Sendable {
        private let flag = Atomic<Bool>(false)
        func mark() { flag.store(true, ordering: .releasing) }
        var isMarked: Bool { flag.load(ordering: .acquiring) }
    }

    static func elector(_ identity: String, _ bed: OperatorTestBed, clock: RoleClock) -> LeaderElector {
        var logger = Logger(label: "qmysql.leader-test")
        logger.logLevel = .critical
        return LeaderElector(client: bed.client, namespace: "default", name: "test-lease", identity: identity, clock: clock, logger: logger)
    }

    /// One attempt; a request that fails is a failed test, not a "no".
    static func acquires(_ elector: LeaderElector) async -> Bool {
        do {
            return try await elector.tryAcquireOrRenew()
        } catch {
            Issue.record("\(elector.identity): \(error)")
            return false
        }
    }

    @Test func aStandbyTakesOverOnlyOnceTheLeaseWentUnchangedForItsDuration() async throws {
        try await OperatorTestBed.run { bed in
            let clock = RoleClock.manual()
            let first = Self.elector("a", bed, clock: clock)
            let standby = Self.elector("b", bed, clock: clock)
            #expect(await Self.acquires(first), "a creates the Lease and holds it")
            #expect(!(await Self.acquires(standby)), "b finds it held and fresh")
            clock.advance(by: first.timing.leaseDuration - .milliseconds(1))
            #expect(!(await Self.acquires(standby)), "one millisecond before the Lease's duration: still a's")
            clock.advance(by: .milliseconds(1))
            #expect(await Self.acquires(standby), "unchanged for its whole duration: b takes it over")
            let lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
            #expect(lease.spec?.holderIdentity == "b")
            #expect(lease.spec?.leaseTransitions == 1)
            #expect(!(await Self.acquires(first)), "a, back, finds b's fresh Lease")
        }
    }

    @Test func aRenewalRestartsTheStandbysCount() async throws {
        try await OperatorTestBed.run { bed in
            let clock = RoleClock.manual()
            let leader = Self.elector("a", bed, clock: clock)
            let standby = Self.elector("b", bed, clock: clock)
            #expect(await Self.acquires(leader))
            #expect(!(await Self.acquires(standby)))
            clock.advance(by: .seconds(10))
            #expect(await Self.acquires(leader), "a renews")
            clock.advance(by: .seconds(10))
            #expect(!(await Self.acquires(standby)), "20 s since b first saw it, but only 0 s since it changed")
            clock.advance(by: leader.timing.leaseDuration)
            #expect(await Self.acquires(standby))
        }
    }

    @Test func aLeaderWhoseLeaseWasTakenStopsRenewing() async throws {
        try await OperatorTestBed.run { bed in
            let clock = RoleClock.manual()
            let leader = Self.elector("a", bed, clock: clock)
            #expect(await Self.acquires(leader))
            let ended = Ended()
            let renewing = Task {
                await leader.keepRenewing()
                ended.mark()
            }
            // Each renewal waits a retry period on the clock: let a few pass.
            for _ in 0..<3 {
                while clock.sleepers < 1 { await Task.yield() }
                clock.advance(by: leader.timing.retryPeriod)
            }
            var lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
            #expect(lease.spec?.holderIdentity == "a", "a renewed it all along")
            // Another operator writes the Lease as its own (a's renewals had stopped reaching
            // the server for longer than its duration, as that operator saw it). A renewal of
            // a's still in flight may write first: read again and retry, as an operator would.
            while true {
                lease.spec?.holderIdentity = "b"
                do {
                    _ = try await bed.client.update(lease, namespace: "default")
                    break
                } catch let error as KubeError where error.isConflict {
                    lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
                }
            }
            // a's next renewal finds another holder, and a stops leading. Time moves only to the
            // end of a's retry pause, never to a renewal's own deadline (10 s): a renewal still in
            // flight above ends by its answer, so a stops for the other holder, not for time.
            let written = clock.now
            while !ended.isMarked {
                if let next = clock.nextDeadline, next <= clock.now + leader.timing.retryPeriod {
                    clock.advance(by: clock.now.duration(to: next))
                }
                await Task.yield()
            }
            await renewing.value
            #expect(written.duration(to: clock.now) < leader.timing.renewDeadline, "a stopped on finding b's Lease, not on its renew deadline")
            lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
            #expect(lease.spec?.holderIdentity == "b", "a did not write over b's Lease")
        }
    }
}
