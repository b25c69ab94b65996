import AgentAPI
import ControllerAPI
import Foundation

/// The desired-state contract (docs/controller.md, "The desired state"): the operator PUTs a
/// `ControllerSpec`; the controller applies it in place, keeps it in its state file, and shows
/// `observedGeneration` in its status.
extension ClusterController {
    /// Applies `spec`: the same spec again changes nothing, an older generation of the same
    /// object is refused (`409 staleGeneration`), an invalid one too (`422 invalidSpec`) and
    /// changes nothing. A spec of another object (the cluster made again on its kept volumes,
    /// whose state file still holds the old object's spec) starts over.
    public func apply(_ spec: ControllerSpec) async throws(APIErrorBody) -> ControllerSpecAcknowledgement {
        if let current = desired.generation, spec.generation < current, spec.owner == desired.spec?.owner {
            throw APIErrorBody(status: 409, code: "staleGeneration",
                               reason: "generation \(spec.generation) is older than the one this controller runs, \(current); send the newest spec")
        }
        if spec == desired.spec { return ControllerSpecAcknowledgement(observedGeneration: spec.generation, changed: false) }
        let next: DesiredState
        do {
            next = try DesiredState(spec: spec)
        } catch {
            throw APIErrorBody(status: 422, code: "invalidSpec", reason: error.description)
        }
        let previous = desired
        desired = next
        if next.nodes != previous.nodes || next.replicas != previous.replicas {
            await table.setNodes(next.nodes, replicas: next.replicas)
            access.setNodes(next.nodes)
            metrics.setNodes(next.nodes.map(\.name))
        }
        adoptFormedUUID(next.formedUUID)
        // A new schedule counts from now: times it would have had before it was set are not missed.
        if next.backupSchedule != previous.backupSchedule { data.scheduledSince = wallClock() }
        saveState()
        let changes = next.changes(from: previous)
        logger.notice("desired state applied", metadata: [
            "generation": "\(spec.generation)", "changes": "\(changes.isEmpty ? "none" : changes.joined(separator: "; "))",
        ])
        // Retention follows a shorter reservedDays at once; the schedule's gauge follows too.
        if next.reservedDays != previous.reservedDays, started { await applyRetention() }
        if next.backupSchedule != previous.backupSchedule { metrics.recordScheduleInterval(next.backupSchedule?.longestGap) }
        // A setting acts at once; new nodes are first probed by the next round (deciding on
        // nodes never observed would only raise false alarms).
        if started, !desired.nodes.isEmpty, next.nodes == previous.nodes {
            await evaluate(origin: "spec generation \(spec.generation)")
        }
        return ControllerSpecAcknowledgement(observedGeneration: spec.generation, changed: true)
    }

    /// The operator's record that the cluster was formed: taken when the controller has none of
    /// its own (a new pod whose state was lost); its own, learnt from a Primary component, wins.
    func adoptFormedUUID(_ told: String?) {
        guard let told, told != formedUUID else { return }
        guard let own = formedUUID else {
            formedUUID = told
            // Watched from elsewhere: which nodes were members is not known here.
            members = MemberRecord(complete: false)
            logger.notice("the cluster was formed before (the operator's record)", metadata: ["uuid": "\(told)"])
            return
        }
        logger.warning("the operator's formed UUID differs from the Primary component's; keeping the Primary component's",
                       metadata: ["operator": "\(told)", "primary": "\(own)"])
    }

    /// Whether `node` is one of the cluster's nodes now.
    public func knows(node: String) -> Bool { desired.nodes.contains { $0.name == node } }

    /// The cluster's nodes now, in ordinal order.
    public func nodeNames() -> [String] { desired.nodes.map(\.name) }
}
