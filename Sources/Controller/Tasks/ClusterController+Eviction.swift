import Foundation
import Logging
import QiniuAPI

/// Evicting members whose mysqld is known dead (`Eviction`, docs/controller.md): every survivor's
/// Galera drops them at once instead of after `evs.suspect_timeout`, during which no write
/// commits anywhere.
extension ClusterController {
    func evictDeadMembers(_ snapshot: ClusterSnapshot, phase: ClusterPhase) {
        for node in snapshot.nodes where node.observation.processRunning == true {
            if let uuid = node.observation.wsrep?.gcommUUID { gcommUUIDs[node.name] = uuid }
        }
        // Only the identities nodes still have (a restarted mysqld reports a new one).
        evictedUUIDs.formIntersection(gcommUUIDs.values)
        // A repair like any other: not while automatic recovery is off, and only while the
        // cluster serves (a restore or a pause stops the nodes itself).
        guard desired.autoRecovery, phase == .serving else { return }
        for order in Eviction.orders(snapshot, uuids: gcommUUIDs, evicted: evictedUUIDs) {
            evictedUUIDs.insert(order.uuid)
            Task { await self.evict(order) }
        }
    }

    /// Asks every survivor at once: they must agree on the view without the member.
    private func evict(_ order: Eviction.Order) async {
        let started = clock.now
        let access = self.access
        let outcomes = await withTaskGroup(of: (String, Result<Bool, any Error>).self) { group in
            for survivor in order.via {
                group.addTask {
                    do { return (survivor, .success(try await access.evict(via: survivor, uuid: order.uuid).dropped)) }
                    catch { return (survivor, .failure(error)) }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let result = Eviction.Result.of(order.via.map { outcomes[$0].flatMap { try? $0.get() } })
        metrics.recordEviction(result)
        var details: Logger.Metadata = ["uuid": "\(order.uuid)", "via": "\(order.via.joined(separator: ","))", "took": "\((clock.now - started).readable)"]
        for case let (survivor, .failure(error)) in outcomes { details["error.\(survivor)"] = "\(error)" }
        switch result {
        case .dropped:
            logger.notice("\(order.node) evicted from the Primary component: its agent saw its mysqld die, so Galera's suspect timeout was not waited for", metadata: details)
        case .late, .failed:
            // One attempt per dead process: Galera evicts it by itself after its timeout anyway.
            logger.info("\(order.node) not evicted at once (\(result.rawValue)); Galera drops it after its suspect timeout", metadata: details)
        }
    }
}
