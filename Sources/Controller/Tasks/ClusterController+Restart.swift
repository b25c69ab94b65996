import AgentAPI
import Foundation
import Galera

/// Tasks a person (or the operator) asks for.
extension ClusterController {
    /// Queues a restart of `node` (a graceful stop, then a join from its own position, waiting
    /// until it is Synced again). Returns false when a restart of that node is already queued.
    /// It runs even with automatic recovery off: a person asked for it.
    public func requestRestart(node: String) async throws -> Bool {
        guard desired.nodes.contains(where: { $0.name == node }) else { throw ControllerError.unknownNode(node) }
        let task = ClusterTask(kind: .restart, key: "restart \(node)", summary: "restart \(node)", deadline: configuration.recoveryStepDeadline) {
            try await self.performRestart(node: node)
        }
        return await queue.enqueue(task)
    }

    func performRestart(node name: String) async throws -> String {
        await probeAll()
        let snapshot = await observe()
        guard let node = snapshot.node(named: name) else { throw ControllerError.unknownNode(name) }
        guard node.agentReachable else {
            throw ControllerError.refused(task: "restart \(name)", why: "its agent does not answer (\(await table.lastErrors(of: name).agent ?? "no report"))")
        }
        // Restarting is only safe if the node has a Primary component to come back to.
        guard snapshot.nodes.contains(where: { $0.name != name && $0.state == .green }) else {
            throw ControllerError.refused(task: "restart \(name)", why: "no other node is Synced in a Primary component, so \(name) would have nothing to rejoin; the cluster needs recovery first")
        }
        let id = history.start(task: .restart, fault: nil, verb: "restart", node: name, detail: "restart \(name): stop gracefully, then join",
                               reason: "requested", at: wallClock())
        var log = logger
        log[metadataKey: "node"] = "\(name)"
        log[metadataKey: "task"] = "restart"
        log.notice("restarting: stop gracefully, then join")
        let began = clock.now
        do {
            if node.observation.processRunning == true {
                await table.offer(try await access.stop(name, StopRequest(mode: .graceful)), at: clock.now)
            }
            let launchesBefore = await table.report(of: name)?.process.launches ?? 0
            await table.offer(try await access.perform(.join(node: name, position: nil)), at: clock.now)
            let result = try await waitForEffect(of: .join(node: name, position: nil), launchesBefore: launchesBefore, since: began)
            history.finish(id, outcome: .succeeded(result), at: wallClock())
            log.notice("restarted: \(result)")
            return result
        } catch {
            let message = error is CancellationError ? "cancelled (deadline or shutdown)" : "\(error)"
            history.finish(id, outcome: .failed(message), at: wallClock())
            log.error("restart failed: \(message)")
            throw error
        }
    }
}
