import ControllerAPI
import Foundation
import Logging
import Testing
@testable import Controller

/// What a restarted controller makes of a restore its predecessor left in the state file.
@Suite("A restore's recorded progress")
struct RestoreProgressTests {
    static func progress(done: [Int], stoppedAt step: Int? = nil) -> RestoreProgress {
        var progress = RestoreProgress(request: DataTaskRequest(name: "r", action: .restore, backupID: "demo-20261206-010100"), seeding: false)
        progress.node = "n1"
        progress.touched = done.contains(2)
        for number in done { progress.finished(number) }
        if let step {
            progress.stopped = .init(step: step, intervention: ManualIntervention(reason: "RestoreStopped", seen: "restore r stopped at step \(step)", advice: "restore again"),
                                     message: "step \(step): it failed")
        }
        return progress
    }

    @Test("a running restore: the steps done read done, the task runs on from the first step not done")
    func running() {
        let progress = Self.progress(done: [0, 1, 2])
        let task = progress.recordedTask(from: ClusterController.newTaskStatus(progress.request), now: "2026-12-06T03:00:00Z")
        #expect(task.steps.filter { $0.state == .succeeded }.map(\.number) == [0, 1, 2])
        #expect(task.steps[0].message == "done before the controller restarted")
        #expect(task.steps[3].state == .pending && task.phase == .running && task.node == "n1")
        #expect(task.message?.contains("resuming at step 3") == true)
        #expect(ClusterController.recordedRestoreIntent(progress).step?.contains("resuming at step 3") == true)
    }

    @Test("a stopped restore stays stopped after a restart: the task failed, the person is still asked, nothing is queued")
    func stopped() async throws {
        let progress = Self.progress(done: [0, 1, 2, 3], stoppedAt: 4)
        let task = progress.recordedTask(from: ClusterController.newTaskStatus(progress.request), now: "2026-12-06T03:00:00Z")
        #expect(task.phase == .failed && task.steps[4].state == .failed && task.message == "step 4: it failed")
        #expect(ClusterController.recordedRestoreIntent(progress).stopped?.reason == "RestoreStopped")

        // Through a controller made on that state file: the task is there before run().
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-progress-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var state = ControllerState(clusterUUID: Fixture.uuid)
        state.restore = progress
        try state.write(to: directory + "/state.json")
        var configuration = Loop.configuration()
        configuration.stateFile = directory + "/state.json"
        let controller = ClusterController(configuration: configuration, access: FakeGalera(), logger: Logger(label: "test"))
        #expect(await controller.dataTask("r")?.phase == .failed)
        #expect(await controller.intent == .restoring(step: "stopped at step 4 (RestoreOnBootstrapNode)"))
        #expect(await controller.queue.depth == 0, "a stopped restore is not run again")
    }
}
