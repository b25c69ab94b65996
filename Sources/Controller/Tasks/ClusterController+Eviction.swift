import Foundation
import Logging
import QiniuAPI

/// Evicting members whose mysqld is known dead (`Eviction`, docs/controller.md): every survivor's
/// Galera drops them at once instead of after `evs.suspect_timeout`, during which no write
/// commits anywhere.
extension ClusterController {
    func evictDeadMembers(_ snapshot: ClusterSnapshot, phase: ClusterPhase) {
        identities.learn(snapshot)
        // A repair like any other: not while automatic recovery is off, and only while the
        // cluster serves (a restore or a pause stops the nodes itself).
        guard desired.autoRecovery, phase == .serving else { return }
        for order in Eviction.orders(snapshot, uuids: identities.uuids) {
            identities.forget(order.node)
            Task { await self.evict(order) }
        }
    }

    /// Asks every survivor at once: they must agree on the view without the member.
    private func evict(_ order: Eviction.Order) async {
        let started = clock.now
        let access = self.access
        // One answer type (not a tuple of a name and a `Result`): a release build crashed
        // copying such a tuple out of the task group (swift_retain on a null pointer in
        // TaskGroupBase::prepareWaitingTaskWithTask), at every eviction.
        let answers = await withTaskGroup(of: SurvivorAnswer.self) { group in
            for survivor in order.via {
                group.addTask {
                    do {
                        return SurvivorAnswer(survivor: survivor, dropped: try await access.evict(via: survivor, uuid: order.uuid).dropped, error: nil)
                    } catch {
                        return SurvivorAnswer(survivor: survivor, dropped: nil, error: "\(error)")
                    }
                }
            }
            var answers: [SurvivorAnswer] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        let result = Eviction.Result.of(answers.map(\.dropped))
        metrics.recordEviction(result)
        var details: Logger.Metadata = ["uuid": "\(order.uuid)", "via": "\(order.via.joined(separator: ","))", "took": "\((clock.now - started).readable)"]
        for answer in answers {
            if let error = answer.error { details["error.\(answer.survivor)"] = "\(error)" }
        }
        switch result {
        case .dropped:
            logger.notice("\(order.node) evicted from the Primary component: its agent saw its mysqld die, so Galera's suspect timeout was not waited for", metadata: details)
        case .late, .failed:
            // One attempt per dead process: Galera evicts it by itself after its timeout anyway.
            logger.info("\(order.node) not evicted at once (\(result.rawValue)); Galera drops it after its suspect timeout", metadata: details)
        }
    }
}

/// One survivor's answer to an eviction: whether its view dropped the member (nil: it could not
/// be asked, and why).
private struct SurvivorAnswer: Sendable {
    var survivor: String
    var dropped: Bool?
    var error: String?
}
