import Testing
@testable import Galera

@Suite("start-mode decision")
struct StartDecisionTests {
    enum Outcome: Sendable, Hashable {
        case success(StartStep)
        case failure(StartRefusal.Code)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var intent: StartIntent
        var node: StartObservation
        var outcome: Outcome
        var testDescription: String { name }
    }

    static let p42 = Fixture.position(42)
    static let stoppedClean = StartObservation(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(42), datadirInitialized: true)
    static let stoppedCleanSafe = StartObservation(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(42, safe: true), datadirInitialized: true)
    static let killed = StartObservation(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1), datadirInitialized: true)
    static let killedRecovered = StartObservation(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1), datadirInitialized: true, recoveredPosition: p42)
    static let empty = StartObservation(processRunning: false, grastate: .absent, datadirInitialized: false)
    static let interrupted = StartObservation(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1), datadirInitialized: true, stateTransferIncomplete: true)
    static let running = StartObservation(processRunning: true, grastate: Fixture.grastate(-1), datadirInitialized: true, wsrep: Fixture.wsrep())
    static let survivor = StartObservation(processRunning: true, grastate: Fixture.grastate(-1), datadirInitialized: true, wsrep: Fixture.wsrep(.nonPrimary, state: 0, comment: "Initialized", ready: false, size: 1))

    static let cases: [Case] = [
        // join
        .init(name: "join after a clean stop uses grastate.dat", intent: .init(mode: .join), node: stoppedClean, outcome: .success(.launch(.init(mode: .join)))),
        .init(name: "join an empty datadir: SST", intent: .init(mode: .join), node: empty, outcome: .success(.launch(.init(mode: .join)))),
        .init(name: "THE TRAP: join after SIGKILL recovers first", intent: .init(mode: .join), node: killed, outcome: .success(.recoverPosition)),
        .init(name: "THE TRAP: a caller's position does not skip recovery", intent: .init(mode: .join, position: p42), node: killed, outcome: .success(.recoverPosition)),
        .init(name: "join after recovery passes the position", intent: .init(mode: .join), node: killedRecovered, outcome: .success(.launch(.init(mode: .join, startPosition: p42)))),
        .init(name: "join with the matching position", intent: .init(mode: .join, position: p42), node: killedRecovered, outcome: .success(.launch(.init(mode: .join, startPosition: p42)))),
        .init(name: "join with another position is refused", intent: .init(mode: .join, position: Fixture.position(41)), node: killedRecovered, outcome: .failure(.positionMismatch)),
        .init(name: "join with a position on an empty datadir is refused", intent: .init(mode: .join, position: p42), node: empty, outcome: .failure(.positionMismatch)),
        .init(name: "non-zero exit with a clean grastate recovers first", intent: .init(mode: .join), node: .init(processRunning: false, lastExit: .exited(code: 1), grastate: Fixture.grastate(42), datadirInitialized: true), outcome: .success(.recoverPosition)),
        .init(name: "crash before the agent started (seqno -1, no exit known) recovers first", intent: .init(mode: .join), node: .init(processRunning: false, grastate: Fixture.grastate(-1), datadirInitialized: true), outcome: .success(.recoverPosition)),
        .init(name: "unreadable grastate recovers first", intent: .init(mode: .join), node: .init(processRunning: false, grastate: .unreadable("empty"), datadirInitialized: true), outcome: .success(.recoverPosition)),
        .init(name: "recovered all-zero joins without a position (SST)", intent: .init(mode: .join), node: .init(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1), datadirInitialized: true, recoveredPosition: Fixture.position(-1, uuid: GaleraPosition.zeroUUID)), outcome: .success(.launch(.init(mode: .join)))),
        .init(name: "join while running", intent: .init(mode: .join), node: running, outcome: .failure(.alreadyRunning)),
        // a state transfer cut off: a partial copy
        .init(name: "join after an interrupted SST takes a full SST, no recovery of a partial copy", intent: .init(mode: .join), node: interrupted, outcome: .success(.launch(.init(mode: .join)))),
        .init(name: "join with a position after an interrupted SST is refused", intent: .init(mode: .join, position: p42), node: interrupted, outcome: .failure(.emptyState)),
        .init(name: "never bootstrap a node whose SST was interrupted, even forced", intent: .init(mode: .bootstrap, position: p42, force: true), node: interrupted, outcome: .failure(.emptyState)),
        .init(name: "no recovery of a node whose SST was interrupted", intent: .init(mode: .recoverOnly), node: interrupted, outcome: .failure(.emptyDatadir)),
        // bootstrap
        .init(name: "bootstrap an empty datadir creates a new cluster", intent: .init(mode: .bootstrap), node: empty, outcome: .success(.launch(.init(mode: .bootstrap, initializeDatadir: true, newCluster: true)))),
        .init(name: "bootstrap an initialised datadir that never ran Galera", intent: .init(mode: .bootstrap), node: .init(processRunning: false, grastate: .absent, datadirInitialized: true, recoveredPosition: Fixture.position(-1, uuid: GaleraPosition.zeroUUID)), outcome: .success(.launch(.init(mode: .bootstrap, newCluster: true)))),
        .init(name: "bootstrap the safe node", intent: .init(mode: .bootstrap), node: stoppedCleanSafe, outcome: .success(.launch(.init(mode: .bootstrap, newCluster: true)))),
        .init(name: "bootstrap an unsafe node is refused", intent: .init(mode: .bootstrap), node: stoppedClean, outcome: .failure(.unsafeBootstrap)),
        .init(name: "forced bootstrap without a position is refused", intent: .init(mode: .bootstrap, force: true), node: stoppedClean, outcome: .failure(.forceNeedsPosition)),
        .init(name: "forced bootstrap with a wrong position is refused", intent: .init(mode: .bootstrap, position: Fixture.position(40), force: true), node: stoppedClean, outcome: .failure(.positionMismatch)),
        .init(name: "forced bootstrap with the position marks grastate safe first", intent: .init(mode: .bootstrap, position: p42, force: true), node: stoppedClean, outcome: .success(.launch(.init(mode: .bootstrap, newCluster: true, grastateRewrite: GaleraState(position: p42, safeToBootstrap: true))))),
        .init(name: "forced bootstrap after SIGKILL recovers first", intent: .init(mode: .bootstrap, position: p42, force: true), node: killed, outcome: .success(.recoverPosition)),
        .init(name: "bootstrap after SIGKILL without force is refused before recovery runs", intent: .init(mode: .bootstrap), node: killed, outcome: .failure(.unsafeBootstrap)),
        .init(name: "forced bootstrap after SIGKILL without a position is refused before recovery runs", intent: .init(mode: .bootstrap, force: true), node: killed, outcome: .failure(.forceNeedsPosition)),
        .init(name: "bootstrap an initialised datadir without grastate recovers first (it may have no history)", intent: .init(mode: .bootstrap), node: .init(processRunning: false, grastate: .absent, datadirInitialized: true), outcome: .success(.recoverPosition)),
        .init(name: "bootstrap a recovered crashed node is refused without force", intent: .init(mode: .bootstrap), node: killedRecovered, outcome: .failure(.unsafeBootstrap)),
        .init(name: "bootstrap a crashed node even when grastate says safe needs force", intent: .init(mode: .bootstrap), node: .init(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1, safe: true), datadirInitialized: true, recoveredPosition: p42), outcome: .failure(.unsafeBootstrap)),
        .init(name: "forced bootstrap of a recovered crashed node", intent: .init(mode: .bootstrap, position: p42, force: true), node: killedRecovered, outcome: .success(.launch(.init(mode: .bootstrap, newCluster: true, startPosition: p42, grastateRewrite: GaleraState(position: p42, safeToBootstrap: true))))),
        .init(name: "never bootstrap an all-zero state, even forced", intent: .init(mode: .bootstrap, force: true), node: .init(processRunning: false, lastExit: .exited(code: 1), grastate: Fixture.grastate(-1, uuid: GaleraPosition.zeroUUID), datadirInitialized: true, recoveredPosition: Fixture.position(-1, uuid: GaleraPosition.zeroUUID)), outcome: .failure(.emptyState)),
        .init(name: "bootstrap while running", intent: .init(mode: .bootstrap), node: running, outcome: .failure(.alreadyRunning)),
        // recover-only
        .init(name: "recover a stopped node", intent: .init(mode: .recoverOnly), node: killed, outcome: .success(.recoverOnly)),
        .init(name: "recover a clean node too", intent: .init(mode: .recoverOnly), node: stoppedClean, outcome: .success(.recoverOnly)),
        .init(name: "recover while running", intent: .init(mode: .recoverOnly), node: running, outcome: .failure(.alreadyRunning)),
        .init(name: "recover an empty datadir", intent: .init(mode: .recoverOnly), node: empty, outcome: .failure(.emptyDatadir)),
        // bootstrap-survivor
        .init(name: "promote a non-Primary survivor", intent: .init(mode: .bootstrapSurvivor), node: survivor, outcome: .success(.bootstrapSurvivor)),
        .init(name: "promote a Primary node", intent: .init(mode: .bootstrapSurvivor), node: running, outcome: .failure(.alreadyPrimary)),
        .init(name: "promote a stopped node", intent: .init(mode: .bootstrapSurvivor), node: stoppedClean, outcome: .failure(.notRunning)),
        .init(name: "promote a node that does not answer", intent: .init(mode: .bootstrapSurvivor), node: .init(processRunning: true, grastate: Fixture.grastate(-1), datadirInitialized: true), outcome: .failure(.notAnswering)),
    ]

    @Test("decides", arguments: cases)
    func decides(_ example: Case) {
        let outcome: Outcome
        do {
            outcome = .success(try StartDecision.decide(example.intent, given: example.node))
        } catch {
            #expect(!error.reason.isEmpty)
            outcome = .failure(error.code)
        }
        #expect(outcome == example.outcome)
    }

    @Test("an unsafe bootstrap says why and what to do")
    func unsafeReason() {
        #expect {
            try StartDecision.decide(.init(mode: .bootstrap), given: Self.stoppedClean)
        } throws: { error in
            let reason = (error as? StartRefusal)?.reason ?? ""
            return reason.contains("safe_to_bootstrap: 0") && reason.contains("force") && reason.contains("\(Fixture.uuid):42")
        }
    }

    @Test("launch arguments")
    func arguments() {
        let plan = LaunchPlan(mode: .bootstrap, newCluster: true, startPosition: Self.p42)
        #expect(plan.serverArguments == ["--wsrep-new-cluster", "--wsrep_start_position=\(Fixture.uuid):42"])
        #expect(LaunchPlan(mode: .join).serverArguments.isEmpty)
    }
}
