import AgentAPI
import ControllerAPI
import Foundation
import Logging
import QiniuAPI

/// The writer endpoint (docs/endpoints.md): the controller chooses the node, the operator moves
/// the `mysql.qiniu.com/writer` label that `NAME-writer` selects, and the old writer's client
/// connections are ended so that none goes on writing there.
struct WriterState {
    /// The writer published now (nil: none is fit, or the cluster does not serve).
    var current: String?
    /// The last writer chosen: kept while none is fit, so the writer sticks when it comes back.
    var last: String?
    /// Since when a serving cluster has had no writer.
    var absentSince: ContinuousClock.Instant?
}

extension ClusterController {
    /// The node the writer endpoint sends to now (nil: none).
    public var writerNode: String? { writer.current }

    /// After an old writer's connections are ended once, they are ended again this long after:
    /// a client that reconnected before the operator moved the label landed on it again.
    static let fenceAgainAfter = Duration.seconds(2)

    /// Chooses the writer from this observation; on a move: counted, logged, recorded, and the
    /// old writer fenced.
    func updateWriter(_ snapshot: ClusterSnapshot, phase: ClusterPhase, now: ContinuousClock.Instant) {
        // Only a serving cluster has a writer: while it forms, pauses or is restored, writes
        // wait (a restore's bootstrap node serves alone before the others join).
        let chosen = phase == .serving ? WriterChoice.choose(snapshot, current: writer.last, requested: desired.preferredWriter) : nil
        let previous = writer.current
        if chosen == nil, phase == .serving {
            if writer.absentSince == nil { writer.absentSince = now }
        } else {
            writer.absentSince = nil
        }
        metrics.recordWriter(chosen, absentFor: writer.absentSince.map { now - $0 })
        guard chosen != previous else { return }
        // The writer before this one, across a time without any (A, none, then B is a move).
        let from = previous ?? writer.last
        writer.current = chosen
        if let chosen { writer.last = chosen }
        saveState()
        // Whoever stops being the writer is fenced, also when no node takes over: a client must
        // not go on writing through a connection to a node that is no writer.
        if let previous { Task { await self.fence(previous) } }
        guard let chosen else {
            logger.warning("no node is fit to be the writer: the writer endpoint has no node", metadata: [
                "was": "\(previous ?? "none")", "nodes": "\(snapshot.nodes.map { "\($0.name)=\($0.state.rawValue)" }.joined(separator: " "))"])
            return
        }
        guard let from, from != chosen else {
            logger.notice("the writer endpoint sends to \(chosen)")
            return
        }
        metrics.recordWriterMove()
        let why = snapshot.node(named: from).map { WriterChoice.mayStay($0) ? "a switchover to \(chosen)" : "\(from) is \($0.assessment.reason)" } ?? "\(from) is no node any more"
        logger.notice("the writer moves from \(from) to \(chosen)", metadata: ["why": "\(why)"])
    }

    /// Ends `node`'s client connections, and again a moment later, unless it is the writer
    /// again by then. A node whose agent or mysqld does not answer serves no one either: it is
    /// skipped.
    func fence(_ node: String) async {
        for attempt in 0..<2 {
            if attempt > 0 { try? await clock.sleep(for: Self.fenceAgainAfter) }
            guard writer.current != node else { return }
            do {
                let outcome = try await access.fence(node)
                if outcome.closed > 0 || attempt == 0 {
                    logger.info("old writer fenced", metadata: ["node": "\(node)", "closed": "\(outcome.closed)", "running": "\(outcome.running)"])
                }
            } catch {
                logger.info("old writer not fenced: it does not answer (its connections end with its mysqld)", metadata: ["node": "\(node)", "error": "\(error)"])
            }
        }
    }
}
