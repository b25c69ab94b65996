import Clocks
import KubeAPI
import KubeClient
@testable import KubeRuntime
import Logging
import Testing

/// Leader election's timings on a manual clock, against the real local API server: a Lease is
/// taken over exactly when it has not changed for `leaseDuration` of the standby's own time,
/// never before, however long the requests take; a lost Lease ends the leader's renewals.
@Suite(.timeLimit(.minutes(1))) struct LeaderElectorTests {
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
            let renewing = Task { await leader.keepRenewing() }
            // Each renewal waits a retry period on the clock: let a few pass.
            for _ in 0..<3 {
                while clock.sleepers < 1 { await Task.yield() }
                clock.advance(by: leader.timing.retryPeriod)
            }
            while clock.sleepers < 1 { await Task.yield() }
            var lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
            #expect(lease.spec?.holderIdentity == "a", "a renewed it all along")
            // Another operator writes the Lease as its own (a's renewals had stopped reaching
            // the server for longer than its duration, as that operator saw it).
            lease.spec?.holderIdentity = "b"
            _ = try await bed.client.update(lease, namespace: "default")
            // a's next renewal finds another holder, and a stops leading.
            clock.advance(by: leader.timing.retryPeriod)
            await renewing.value
            lease = try await bed.client.get(Lease.self, name: "test-lease", namespace: "default")
            #expect(lease.spec?.holderIdentity == "b", "a did not write over b's Lease")
        }
    }
}
