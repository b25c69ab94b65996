import Foundation
import QiniuAPI

/// Evicting members whose mysqld is known dead (`Eviction`, docs/controller.md): a survivor's
/// Galera drops them at once instead of after `evs.suspect_timeout`, during which no write
/// commits anywhere.
extension ClusterController {
    func evictDeadMembers(_ snapshot: ClusterSnapshot, phase: ClusterPhase) {
        for node in snapshot.nodes where node.observation.processRunning == true {
            if let uuid = node.observation.wsrep?.gcommUUID { gcommUUIDs[node.name] = uuid }
        }
        // A repair like any other: not while automatic recovery is off, and only while the
        // cluster serves (a restore or a pause stops the nodes itself).
        guard desired.autoRecovery, phase == .serving else { return }
        for order in Eviction.orders(snapshot, uuids: gcommUUIDs, evicted: evictedUUIDs) {
            evictedUUIDs.insert(order.uuid)
            Task { await self.evict(order) }
        }
    }

    private func evict(_ order: Eviction.Order) async {
        let started = clock.now
        do {
            try await access.evict(via: order.via, uuid: order.uuid)
            logger.notice("\(order.node) evicted from the Primary component: its agent saw its mysqld exit, so Galera's suspect timeout is not waited for", metadata: [
                "uuid": "\(order.uuid)", "via": "\(order.via)", "took": "\(clock.now - started)"])
        } catch {
            // One attempt a dead mysqld: Galera evicts it by itself after its timeout anyway.
            logger.info("cannot evict \(order.node) now; Galera evicts it after its suspect timeout", metadata: [
                "uuid": "\(order.uuid)", "via": "\(order.via)", "error": "\(error)"])
        }
    }
}
