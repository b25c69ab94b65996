import ControllerAPI
import Foundation
import QiniuAPI

/// What a running restore must not forget when its controller stops: the request, the node it
/// restores on, the backup's position, the steps done and the nodes whose data it replaced. Kept
/// in the state file at every step boundary (docs/controller.md, "State"), so the next controller
/// resumes it where it stopped, never from step 0 on a cluster that step 2 already paused, and
/// never lets fault recovery start a node from its old data meanwhile.
public struct RestoreProgress: Codable, Sendable, Hashable {
    /// The task as it was submitted (approvals included).
    public var request: DataTaskRequest
    /// A seeding restore (`spec.restoreFrom`): the cluster holds nothing but what it gives.
    public var seeding: Bool
    /// The node the backup is restored on (chosen at step 0), and why.
    public var node: String?
    public var nodeReason: String?
    /// The backup's position, once step 0 unpacked it: the history every node must end in.
    public var position: String?
    /// The steps finished, in order.
    public var done: [Int] = []
    /// Step 2 began: the nodes were touched; from here the cluster is the restore's until it ends.
    public var touched = false
    /// Nodes whose data the restore replaced (copied back, or emptied to join).
    public var replaced: [String] = []
    public var safetyBackup: BackupSummary?
    public var startTime: String?
    /// Set when the restore stopped and asks a person: the task's message and the condition's
    /// words. A restarted controller keeps asking instead of repairing from the old data.
    public var stopped: Stopped?

    public struct Stopped: Codable, Sendable, Hashable {
        public var step: Int
        /// What the status asks of a person.
        public var intervention: ManualIntervention
        /// The task's last message.
        public var message: String
    }

    public init(request: DataTaskRequest, seeding: Bool) {
        self.request = request
        self.seeding = seeding
    }

    public func isDone(_ step: Int) -> Bool { done.contains(step) }

    /// The first step not done: where a resumed restore goes on.
    public var nextStep: Int { (0...5).first { !done.contains($0) } ?? 5 }

    mutating func finished(_ step: Int) {
        if !done.contains(step) { done.append(step) }
    }

    /// The task as a restarted controller shows it, from `fresh` (its status before any step):
    /// the steps done, and a stop with its reason; otherwise running on from `nextStep`.
    func recordedTask(from fresh: DataTaskStatus, now: String) -> DataTaskStatus {
        var task = fresh
        task.startTime = startTime
        task.node = node
        task.safetyBackup = safetyBackup
        for index in task.steps.indices where done.contains(task.steps[index].number) {
            task.steps[index].state = .succeeded
            task.steps[index].message = "done before the controller restarted"
        }
        if let stopped {
            if let index = task.steps.firstIndex(where: { $0.number == stopped.step }) {
                task.steps[index].state = .failed
                task.steps[index].message = stopped.intervention.seen
            }
            task.phase = .failed
            task.message = stopped.message
            task.completionTime = now
        } else {
            task.phase = .running
            task.message = "resuming at step \(nextStep) (\(RestoreSteps.names[nextStep])): the controller restarted"
        }
        return task
    }
}
