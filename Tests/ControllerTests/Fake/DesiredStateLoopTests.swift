import AgentAPI
import Backup
import ControllerAPI
import Foundation
import Galera
import Logging
import Testing
@testable import Controller

/// The desired-state contract on the fake Galera cluster: every setting the operator sends
/// (`PUT /v1/spec`) reaches the running controller and takes effect in place, a stale or invalid
/// spec changes nothing, and the last spec survives a restart through the state file.
@Suite("The desired state on a fake Galera cluster", .serialized)
struct DesiredStateLoopTests {
    /// The spec the operator would send for `nodes` fake nodes (`n0 ...`).
    static func spec(_ generation: Int64, nodes: Int = 3, _ change: (inout ControllerSpec) -> Void = { _ in }) -> ControllerSpec {
        var spec = ControllerSpec(
            generation: generation,
            nodes: (0..<nodes).map { ControllerOptions.Node(name: "n\($0)", agentURL: "http://fake", sqlAddress: "fake") })
        change(&spec)
        return spec
    }

    static func refusal(_ body: () async throws -> ControllerSpecAcknowledgement) async -> APIErrorBody? {
        do {
            _ = try await body()
            return nil
        } catch let error as APIErrorBody {
            return error
        } catch {
            return APIErrorBody(status: 0, code: "unexpected", reason: "\(error)")
        }
    }

    @Test("a controller started without nodes waits for its spec, says so, then forms the cluster and shows the generation")
    func firstSpec() async throws {
        let fake = FakeGalera(formed: false)
        try await Loop.run(fake, configure: { $0.nodes = [] }) { loop in
            let waiting = try await loop.waitStatus("waiting for the desired state") {
                $0.condition(ConditionType.recovering)?.reason == "WaitingForDesiredState"
            }
            #expect(waiting.observedGeneration == nil && waiting.phase == .forming, "\(waiting)")
            try await loop.settle()
            #expect(fake.calls.isEmpty, "nothing is done before the nodes are known")
            #expect(try await loop.controller.apply(Self.spec(1)) == .init(observedGeneration: 1, changed: true))
            let green = try await loop.waitGreen(after: "the first spec", faultFirst: false)
            #expect(green.observedGeneration == 1 && green.phase == .serving && green.clusterUUID != nil, "\(green)")
            // The same spec again (the operator repeats a PUT it is unsure of) changes nothing.
            let calls = fake.calls
            #expect(try await loop.controller.apply(Self.spec(1)) == .init(observedGeneration: 1, changed: false))
            #expect(fake.calls == calls)
        }
    }

    @Test("an older generation and an invalid spec are refused, each saying why, and change nothing")
    func staleAndInvalid() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            _ = try await loop.controller.apply(Self.spec(5))
            let stale = await Self.refusal { try await loop.controller.apply(Self.spec(4) { $0.intent = .paused }) }
            #expect(stale?.status == 409 && stale?.code == "staleGeneration", "\(String(describing: stale))")
            let invalid = await Self.refusal {
                try await loop.controller.apply(Self.spec(6) {
                    $0.reservedDays = 0
                    $0.backupSchedule = .init(times: "01:01", timeZone: "Mars/Olympus_Mons")
                    $0.nodes.append($0.nodes[0])
                })
            }
            #expect(invalid?.status == 422 && invalid?.code == "invalidSpec")
            for words in ["reservedDays is 0", "Mars/Olympus_Mons", "node n0 is given twice"] {
                #expect(invalid?.reason.contains(words) == true, "\(String(describing: invalid?.reason)) names \(words)")
            }
            // Generation 5 still runs: serving (the stale pause was refused), Green, nothing done.
            try await loop.waitStatus("Green under generation 5") {
                $0.observedGeneration == 5 && $0.state == .green && $0.phase == .serving
            }
            let running = await loop.controller.desired
            #expect(running.generation == 5 && !running.paused)
            #expect(fake.calls.isEmpty, "neither the stale pause nor the invalid spec did anything: \(fake.calls)")

            // The cluster deleted and made again on its kept volumes: a new object, generation 1.
            let recreated = try await loop.controller.apply(Self.spec(1) { $0.owner = "uid-of-the-new-object" })
            #expect(recreated == .init(observedGeneration: 1, changed: true), "another object's first spec is not stale")
        }
    }

    @Test("pause and unpause, automatic recovery off and on: each reaches the running controller")
    func pauseAndAutoRecovery() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            _ = try await loop.controller.apply(Self.spec(2) { $0.intent = .paused })
            try await loop.waitStatus("paused with every node stopped") { $0.phase == .paused && $0.observedGeneration == 2 && fake.runningCount == 0 }
            _ = try await loop.controller.apply(Self.spec(3))
            let unpaused = try await loop.waitGreen(after: "unpause")
            #expect(unpaused.observedGeneration == 3 && unpaused.phase == .serving)

            _ = try await loop.controller.apply(Self.spec(4) { $0.autoRecovery = false })
            let before = fake.calls
            fake.kill("n2")
            let asked = try await loop.waitStatus("asks a person: automatic recovery is off") {
                $0.condition(ConditionType.manualInterventionRequired)?.reason == "AutomaticRecoveryOff"
            }
            #expect(asked.observedGeneration == 4)
            try await loop.settle()
            #expect(fake.calls == before, "nothing done with automatic recovery off")
            _ = try await loop.controller.apply(Self.spec(5))
            let repaired = try await loop.waitGreen(after: "automatic recovery on")
            #expect(repaired.observedGeneration == 5)
            #expect(Array(fake.calls.dropFirst(before.count)) == ["recover n2", "start n2 join 100"])
        }
    }

    @Test("scaling 3 → 5 → 3: the running controller takes the new nodes in and lets the removed ones go, metrics too")
    func scaling() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            _ = try await loop.controller.apply(Self.spec(2, nodes: 5))
            let five = try await loop.waitStatus("Green with 5 nodes") { $0.state == .green && $0.nodes.count == 5 }
            #expect(five.observedGeneration == 2)
            #expect(fake.calls.allSatisfy { $0.hasSuffix("n3") || $0.contains("n3 ") || $0.hasSuffix("n4") || $0.contains("n4 ") },
                    "only the new nodes were acted on: \(fake.calls)")
            #expect(loop.controller.metrics.render().contains(#"node="n4""#))
            // The StatefulSet removes the highest ordinals; the spec follows.
            fake.shutDown("n4", "n3")
            _ = try await loop.controller.apply(Self.spec(3, nodes: 3))
            let three = try await loop.waitStatus("Green with 3 nodes") { $0.state == .green && $0.nodes.count == 3 && $0.observedGeneration == 3 }
            #expect(three.nodes.map(\.name) == ["n0", "n1", "n2"])
            let metrics = loop.controller.metrics.render()
            #expect(!metrics.contains(#"node="n4""#) && !metrics.contains(#"node="n3""#), "a removed node's series are gone")
            #expect(await loop.controller.knows(node: "n4") == false)
        }
    }

    @Test("a new backup schedule and a shorter retention reach the controller in place")
    func scheduleAndRetention() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-spec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        let position = try GaleraPosition(parsing: "8a8e6b44-ec2f-11f1-990a-4bfa0aa167bf:10")
        for day in [8, 10] {
            let finished = BackupScheduleLoopTests.date(String(format: "2026-11-%02dT01:02:00Z", day))
            let id = BackupMetadata.makeID(cluster: "demo", at: finished)
            let writer = try await store.beginWrite(cluster: "demo", id: id)
            try await writer.append(Data("backup of day \(day)".utf8))
            _ = try await writer.finish(BackupMetadata(
                id: id, cluster: "demo", node: "n2", flavor: .mariadb, serverVersion: "10.11.19-MariaDB",
                startedAt: finished, finishedAt: finished, size: 0, sha256: "", position: position))
        }
        let clock = BackupScheduleLoopTests.Clock(BackupScheduleLoopTests.date("2026-11-12T00:00:00Z"))
        var configuration = Loop.configuration()
        configuration.backupStore = store
        var logger = Logger(label: "qmysql.controller.spec-test")
        logger.logLevel = .critical
        let controller = ClusterController(configuration: configuration, access: FakeGalera(), logger: logger, wallClock: { clock.date })
        await controller.prepareData()
        for _ in 0..<(24 * 12) {
            clock.advance(300)
            await controller.scheduleTick()
        }
        #expect(await controller.dataTasks().isEmpty, "no schedule, no scheduled backup")

        _ = try await controller.apply(Self.spec(2) { $0.backupSchedule = .init(times: "02:00", timeZone: "Asia/Shanghai") })
        for _ in 0..<(24 * 12) {
            clock.advance(300)
            await controller.scheduleTick()
        }
        #expect(await controller.dataTasks().map(\.name) == ["scheduled-demo-20261113-180000"])
        #expect(controller.metrics.render().contains("qmysql_controller_backup_schedule_interval_seconds{cluster=\"demo\"} 86400"))

        // Seven days (the default) keep both backups; two days delete all but the newest.
        await controller.applyRetention()
        #expect(try await store.list(cluster: "demo").count == 2)
        _ = try await controller.apply(Self.spec(3) { $0.backupSchedule = .init(times: "02:00", timeZone: "Asia/Shanghai"); $0.reservedDays = 2 })
        await controller.applyRetention()
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20261110-010200"])
    }

    @Test("the last spec accepted is kept in the state file: a restarted controller runs with it before the operator sends it again")
    func survivesRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fake = FakeGalera()
        var configuration = Loop.configuration()
        configuration.nodes = []
        configuration.stateFile = directory + "/state.json"

        let first = Loop.controller(fake, configuration)
        let driving = Task { await ClockDriver(controller: first).run() }
        let running = Task { await first.run() }
        _ = try await first.apply(Self.spec(7) { $0.autoRecovery = false })
        try await Self.eventually {
            let status = await first.status()
            return status.observedGeneration == 7 && status.state == .green
        }
        running.cancel()
        await running.value
        driving.cancel()
        await driving.value
        let kept = try #require(ControllerState.read(from: directory + "/state.json"))
        #expect(kept.spec?.generation == 7 && kept.spec?.autoRecovery == false && kept.clusterUUID == Fixture.uuid.lowercased())

        // The next controller has no nodes on its command line either: the state file has them.
        let second = Loop.controller(fake, configuration)
        let drivingAgain = Task { await ClockDriver(controller: second).run() }
        defer { drivingAgain.cancel() }
        let again = Task { await second.run() }
        defer { again.cancel() }
        try await Self.eventually { await second.status().state == .green }
        let status = await second.status()
        #expect(status.observedGeneration == 7 && status.nodes.count == 3)
        #expect(await second.desired.autoRecovery == false)
        // The operator sends the same spec again: nothing changes.
        #expect(try await second.apply(Self.spec(7) { $0.autoRecovery = false }) == .init(observedGeneration: 7, changed: false))
    }

    /// Polls until `condition` holds; the real-time bound only ends a test that fails.
    static func eventually(within limit: Duration = Loop.realLimit, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FakeFailure("not within \(limit)")
    }
}
