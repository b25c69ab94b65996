import AgentAPI
import Foundation
import Galera

/// Evicting a member whose mysqld is known dead (docs/controller.md, "Eviction of a member known
/// dead"): the controller asks every survivor at once, each through its own agent.
extension Supervisor {
    /// How long one eviction waits for this node's view to drop the member. Galera's own
    /// suspect timeout (3 s, checked every second) drops it by then anyway.
    static let evictionWait = Duration.seconds(8)

    /// Has this node's Galera evict the member `uuid` now, waits until its view no longer counts
    /// it, and clears the evict list again.
    ///
    /// Clearing matters: Galera's members compare their evict lists when they agree on a view,
    /// and a node that restarted since has an empty one. Measured in the playground: with the
    /// UUIDs of earlier evictions left in the survivors' lists, every later view change waited
    /// for the install timeout and a survivor stood alone, non-Primary, for a second (4.1 s
    /// where the suspect timeout alone takes 3.3 s); cleared after each, evictions took 0.1-1.2 s.
    func evict(_ uuid: String) async throws(APIErrorBody) -> EvictOutcome {
        // Checked before it goes into a statement: hex digits and dashes only.
        guard let normalized = GaleraPosition.normalizedUUID(uuid) else {
            throw .badRequest("uuid '\(uuid)' is not a gcomm UUID (8-4-4-4-12 hex digits)")
        }
        guard mysqld != nil, let before = wsrep, before.clusterStatus == .primary else {
            throw .conflict("notPrimary", "this node is not running in the Primary component (it is \(status().state.rawValue)): it cannot evict a member")
        }
        let started = ContinuousClock.now
        do {
            try await wsrepReader.execute("SET GLOBAL wsrep_provider_options='evs.evict=\(normalized)'")
        } catch {
            throw .failed("evictFailed", "Galera refused to evict \(normalized): \(error)")
        }
        var dropped = false
        while ContinuousClock.now - started < Self.evictionWait {
            if let now = try? await wsrepReader.read(), now.clusterSize < before.clusterSize || now.clusterStatus != .primary {
                dropped = now.clusterStatus == .primary
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        do {
            try await wsrepReader.execute("SET GLOBAL wsrep_provider_options='evs.evict='")
        } catch {
            logger.warning("cannot clear Galera's evict list after an eviction; the next view change may wait for Galera's install timeout", metadata: [
                "uuid": "\(normalized)", "error": "\(error)"])
        }
        let took = ContinuousClock.now - started
        logger.notice(dropped ? "member evicted: its mysqld is known dead" : "member not dropped from the view in time; Galera's own timeout decides", metadata: [
            "uuid": "\(normalized)", "viewBefore": "\(before.clusterSize)", "took": "\(took.readable)"])
        return EvictOutcome(dropped: dropped, seconds: took.inSeconds)
    }
}
