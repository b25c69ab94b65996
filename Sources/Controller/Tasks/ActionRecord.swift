import ControllerAPI
import Foundation

/// One step the controller performed on a node: the record tests and operators read to know what
/// the controller did, not only where the cluster ended up.
public struct ActionRecord: Sendable, Hashable, Codable {
    public enum Outcome: Sendable, Hashable, Codable {
        case running
        case succeeded(String)
        case failed(String)
    }

    /// Increases by one for every action of this controller.
    public var id: Int
    /// The task that performed it: `fault-recovery`, `restart`.
    public var task: String
    /// The fault being repaired; nil for a requested task (a restart).
    public var fault: FaultKind?
    /// `recover-position`, `join`, `bootstrap`, `bootstrap-survivor`, `restart`.
    public var verb: String
    public var node: String
    /// The action in words, with its position where it has one.
    public var detail: String
    /// Why the decision chose it.
    public var reason: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: Outcome

    /// "join n1": what tests compare.
    public var summary: String { "\(verb) \(node)" }

    /// What the status carries of it.
    var summaryForStatus: ActionSummary {
        switch outcome {
        case .running: ActionSummary(id: id, verb: verb, node: node, detail: detail, state: .running)
        case .succeeded(let result): ActionSummary(id: id, verb: verb, node: node, detail: detail, state: .succeeded, message: result)
        case .failed(let error): ActionSummary(id: id, verb: verb, node: node, detail: detail, state: .failed, message: error)
        }
    }
}

/// The bounded list of actions, newest last.
struct ActionHistory: Sendable {
    private(set) var records: [ActionRecord] = []
    private var nextID = 1
    let limit: Int

    init(limit: Int = 200) { self.limit = limit }

    /// Appends a running action and returns its id, to finish it later.
    mutating func start(task: ClusterTask.Kind, fault: FaultKind?, verb: String, node: String, detail: String, reason: String, at date: Date) -> Int {
        let id = nextID
        nextID += 1
        records.append(ActionRecord(id: id, task: task.rawValue, fault: fault, verb: verb, node: node, detail: detail, reason: reason,
                                    startedAt: date, finishedAt: nil, outcome: .running))
        if records.count > limit { records.removeFirst(records.count - limit) }
        return id
    }

    mutating func finish(_ id: Int, outcome: ActionRecord.Outcome, at date: Date) {
        guard let index = records.firstIndex(where: { $0.id == id }) else { return }
        records[index].outcome = outcome
        records[index].finishedAt = date
    }
}
