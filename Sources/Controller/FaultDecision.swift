import Galera

/// The controller's policy: from one snapshot of every node to the next step, or to a refusal.
///
/// Pure: no I/O, no clock. The rows are checked in the order documented in docs/controller.md
/// ("The decision table"); the first that matches wins. Automatic action is taken only where the
/// data-safe choice is certain; everything else asks for a person.
public enum FaultDecision {
    public static func decide(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let nodes = snapshot.nodes
        if nodes.isEmpty {
            return .manual(.init(reason: "NoNodes", seen: "the cluster has no nodes configured",
                                 advice: "Configure the cluster's nodes."))
        }

        // Row 2 comes first for a paused cluster: all Green is exactly when it has work to do.
        if snapshot.intent == .paused { return decidePaused(snapshot) }

        // Row 1: all Green.
        if nodes.allSatisfy({ $0.state == .green }) {
            return .none(reason: "all \(nodes.count) nodes are Synced in the Primary component")
        }

        // Row 2: a restore task owns the nodes: observe only. (A paused cluster was decided above.)
        if case .restoring(let step) = snapshot.intent {
            return .none(reason: "a restore task owns the nodes (\(step)); fault recovery stands aside until it ends")
        }

        // Row 3: an agent is starting, stopping, recovering or promoting its node. The cluster may
        // be changing under us: act only once it is done, so the controller never races a stop
        // it did not ask for. A backup changes no membership and never blocks (see row 19).
        if let busy = nodes.first(where: { $0.agentOperation?.changesMembership == true }), let operation = busy.agentOperation {
            return .none(reason: "waiting for the agent of \(busy.name), which is \(operation.rawValue)")
        }

        // Row 4: nodes that claim different histories cannot be reconciled automatically.
        if let disagreement = uuidDisagreement(nodes) { return .manual(disagreement) }

        // Rows 5 and 6: every datadir is empty. A cluster never formed is formed now; one formed
        // before has lost its data, and an empty cluster under its name would hide that.
        if let plan = decideEmptyCluster(snapshot) { return plan }

        // Row 7: a stopped node that cannot prove which history its data belongs to.
        for node in nodes where node.role == .stopped {
            switch node.storedPosition {
            case .empty where snapshot.hasPrimary:
                continue  // a replaced volume: re-seeded by SST from the Primary component (row 11)
            case .empty where node.interruptedTransfer:
                continue  // left out of the bootstrap choice (row 13's preamble)
            case .empty:
                return .manual(.init(
                    reason: "EmptyState",
                    seen: "node \(node.name) is stopped and has no grastate.dat (its datadir never ran Galera) while no Primary component exists",
                    advice: "Bring back a Primary component from the nodes that hold data (it then re-seeds \(node.name) by SST), or restore from a backup."))
            case .zero:
                return .manual(.init(
                    reason: "ZeroState",
                    seen: "node \(node.name) is stopped with the all-zero cluster UUID (its position is lost, e.g. after a refused bootstrap)",
                    advice: "Find the node with the cluster's latest data by hand (`mariadbd --wsrep-recover` on each); if \(node.name) is behind, empty its datadir so it rejoins by SST."))
            case .known, .needsRecovery:
                continue
            }
        }

        let plan = snapshot.hasPrimary ? decideWithPrimary(snapshot) : decideWithoutInterruptedJoiners(snapshot)
        // Row 19: never act on a node whose agent is busy (a backup): wait for it.
        if case .step(let step) = plan, let node = snapshot.node(named: step.action.node), let operation = node.agentOperation {
            return .none(reason: "\(step.action) waits for the agent of \(node.name), which is \(operation.rawValue)")
        }
        // Row 20: never start a node into a full disk again and again: a person makes room, and
        // the step is taken as soon as there is.
        if case .step(let step) = plan, step.action.startsMySQL, let node = snapshot.node(named: step.action.node),
           let shortage = node.diskShortage {
            return .manual(diskFull(node: node.name, shortage, wanted: step.action))
        }
        return plan
    }

    static func diskFull(node: String, _ shortage: NodeSnapshot.DiskShortage, wanted: RecoveryAction) -> ManualIntervention {
        let said = shortage.errorLine.map { "; mysqld said: \($0.trimmingCharacters(in: .whitespaces).prefix(200))" } ?? ""
        return ManualIntervention(
            reason: "DiskFull",
            seen: "node \(node)'s datadir \(shortage.path) has \(ByteCount.text(shortage.freeBytes)) free of \(ByteCount.text(shortage.totalBytes))\(said)",
            advice: "Make room on \(node)'s volume (delete files that are not the database's, or grow the volume); the controller then does what it would: \(wanted) (at \(ByteCount.text(shortage.resumeAtBytes)) free or more).")
    }

    // MARK: - Formation

    /// Rows 5 and 6, and formation's wait: only when no node claims any data.
    private static func decideEmptyCluster(_ snapshot: ClusterSnapshot) -> FaultPlan? {
        let nodes = snapshot.nodes
        let empty = nodes.filter { $0.role == .stopped && $0.storedPosition == .empty }
        guard !empty.isEmpty else { return nil }
        let others = nodes.filter { !($0.role == .stopped && $0.storedPosition == .empty) }
        if snapshot.intent == .forming, !others.isEmpty, others.allSatisfy({ $0.role == .unknown }) {
            // Agents are still coming up; forming needs every node's word that it is empty.
            return .none(reason: "forming: waiting for the agents of \(others.map(\.name).joined(separator: ", ")) to answer")
        }
        guard others.isEmpty else { return nil }
        switch snapshot.intent {
        case .forming:
            let first = empty.min { $0.ordinal < $1.ordinal }!
            return .step(.init(fault: .forming, action: .bootstrapNew(node: first.name),
                               reason: "the cluster was never formed and every datadir is empty: \(first.name), the lowest ordinal, starts its history"))
        case .serving:
            return .manual(.init(
                reason: "DataLost",
                seen: "every node's datadir is empty (\(nodes.map(\.name).joined(separator: ", "))), but the cluster was formed before: its data is gone (lost volumes?)",
                advice: "Restore the cluster from a backup (`kubectl qmysql restore \(snapshot.clusterName) --from BACKUP`). The controller never forms an empty cluster under an existing name."))
        case .paused, .restoring:
            return nil
        }
    }

    // MARK: - Paused

    /// `spec.paused`: stop the running nodes gracefully, one at a time, highest ordinal first, so
    /// the last one stopped (the lowest ordinal) holds the most advanced position and
    /// `safe_to_bootstrap: 1`. Then observe only. Unpausing brings the cluster back through the
    /// full-stop rows (every position known: bootstrap the most advanced, join the rest).
    static func decidePaused(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let nodes = snapshot.nodes
        if let busy = nodes.first(where: { $0.agentOperation?.changesMembership == true }), let operation = busy.agentOperation {
            return .none(reason: "the cluster is paused; waiting for the agent of \(busy.name), which is \(operation.rawValue)")
        }
        if let unknown = nodes.first(where: { $0.role == .unknown }) {
            return .none(reason: "the cluster is paused; \(unknown.name) is Unknown, so nothing is stopped until every node is seen")
        }
        let running = nodes.filter { $0.role != .stopped }
        guard let next = running.max(by: { $0.ordinal < $1.ordinal }) else {
            return .none(reason: "the cluster is paused: every node is stopped, data kept; set spec.paused to false to start it again")
        }
        return .step(.init(
            fault: .pausing, action: .stop(node: next.name),
            reason: "the cluster is paused: stopping the nodes one at a time, highest ordinal first (\(running.count) still running)"))
    }

    // MARK: - A Primary component exists

    private static func decideWithPrimary(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let nodes = snapshot.nodes
        // Row 8: a transfer in progress. A second joiner now could loop in EVS with the first. A
        // donor alone is no transfer in progress: after its joiner died it stays Donor/Desynced
        // until its SST script notices (the mariabackup donor sleeps 10 s first), while another
        // member can serve the next joiner at once.
        if let busy = nodes.first(where: { ($0.role == .primary(synced: false) && !$0.isDonorOnly) || $0.role == .starting }) {
            return .none(reason: "waiting for \(busy.summary)")
        }
        let stopped = nodes.filter { $0.role == .stopped }
        // Row 9: recover positions first, lowest ordinal first.
        if let crashed = stopped.first(where: { $0.storedPosition == .needsRecovery }) {
            return .step(.init(fault: .nodeDown, action: .recoverPosition(node: crashed.name),
                               reason: "\(crashed.summary) while a Primary component serves"))
        }
        // Row 10: the Primary component still counts nodes that are confirmed stopped: Galera has
        // not evicted them yet (evs.suspect_timeout). A joiner now could meet a component about to
        // lose quorum (then it hangs waiting for a Primary); wait until the view settles.
        let viewSize = snapshot.primaryMembers.compactMap { $0.observation.wsrep?.clusterSize }.max() ?? 0
        let notStopped = nodes.count - stopped.count
        if viewSize > notStopped, !stopped.isEmpty {
            return .none(reason: "the Primary component still counts \(viewSize) members but only \(notStopped) node(s) run; waiting for Galera to evict the stopped node(s) before starting a joiner")
        }
        // Row 11: rejoin one stopped node, with its position so it can take IST; an empty
        // datadir (a joiner of a forming cluster, or a replaced volume) is seeded by SST.
        if let down = stopped.first {
            switch down.storedPosition {
            case .known(let position, _):
                return .step(.init(fault: .nodeDown, action: .join(node: down.name, position: position),
                                   reason: "\(down.summary) while a Primary component serves"))
            case .empty:
                let forming = snapshot.intent == .forming
                let why = forming ? "forming: \(down.name) joins by SST"
                    : down.interruptedTransfer ? "a state transfer to \(down.name) was interrupted: it is re-seeded by SST from the Primary component"
                    : "\(down.name) has an empty datadir (a replaced volume?): it is re-seeded by SST from the Primary component"
                return .step(.init(fault: forming ? .forming : .nodeDown, action: .join(node: down.name, position: nil), reason: why))
            case .needsRecovery, .zero:
                return unlisted(snapshot, detail: "stopped node \(down.name) has no usable position")
            }
        }
        // Row 12: nodes cut off by the network rejoin by themselves.
        let others = nodes.filter { $0.role == .unknown || $0.role == .nonPrimary }
        if !others.isEmpty {
            let names = others.map(\.summary).joined(separator: "; ")
            return .none(reason: "the Primary component serves; waiting for \(names) to rejoin by itself (a cut-off node rejoins when its network is back)")
        }
        return .none(reason: "the Primary component serves")
    }

    // MARK: - No Primary component

    /// Without a Primary component, nodes whose state transfer was interrupted are left out of
    /// the choice: they hold a partial copy of a donor's data, nothing the others lack. They
    /// rejoin by SST once a Primary component exists again (row 11).
    private static func decideWithoutInterruptedJoiners(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let interrupted = snapshot.nodes.filter { $0.role == .stopped && $0.interruptedTransfer }
        guard !interrupted.isEmpty else { return decideWithoutPrimary(snapshot) }
        let names = interrupted.map(\.name).joined(separator: ", ")
        var candidates = snapshot
        candidates.nodes = snapshot.nodes.filter { !$0.interruptedTransfer || $0.role != .stopped }
        guard !candidates.nodes.isEmpty else {
            return .manual(.init(
                reason: "NoCandidate",
                seen: "no Primary component exists and a state transfer to every node (\(names)) was interrupted: no node holds a complete copy of the data",
                advice: "Restore the cluster from a backup (`kubectl qmysql restore \(snapshot.clusterName) --from BACKUP`)."))
        }
        switch decideWithoutPrimary(candidates) {
        case .manual(var intervention):
            intervention.seen += "; \(names) left out of the choice: a state transfer to it was interrupted, so it holds nothing the others lack"
            return .manual(intervention)
        case let plan:
            return plan
        }
    }

    private static func decideWithoutPrimary(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let nodes = snapshot.nodes
        // Row 13: an unreachable node may still run, even as a Primary component of its own.
        let unknown = nodes.filter { $0.role == .unknown }
        if !unknown.isEmpty {
            let names = unknown.map(\.summary).joined(separator: "; ")
            return .manual(.init(
                reason: "NodeUnknownWithoutPrimary",
                seen: "no Primary component exists and the state of \(names) cannot be known",
                advice: "Check the agent and mysqld of \(unknown.map(\.name).joined(separator: ", ")); once every node's agent answers, the controller decides again. Bootstrapping now could create a second Primary component."))
        }
        let starting = nodes.filter { $0.role == .starting }
        if let first = starting.first {
            return .none(reason: "waiting for \(first.summary)")
        }
        let stopped = nodes.filter { $0.role == .stopped }
        let survivors = nodes.filter { $0.role == .nonPrimary }
        // Every node is now either stopped (confirmed by its agent) or a running non-Primary survivor.
        guard stopped.count + survivors.count == nodes.count else {
            return unlisted(snapshot, detail: "no Primary component")
        }
        // Row 14: every node runs and none is Primary: they cannot see each other. Galera merges them when
        // the network heals; choosing one to bootstrap now would be a guess about the network.
        if stopped.isEmpty {
            return .manual(.init(
                reason: "AllNonPrimary",
                seen: "every node is running but none is in a Primary component (" + survivors.map(\.summary).joined(separator: "; ") + ")",
                advice: "The nodes cannot reach each other: check the network between them. If it cannot be repaired, bootstrap the node with the highest wsrep_last_committed by hand (SET GLOBAL wsrep_provider_options='pc.bootstrap=YES')."))
        }

        // Row 15: learn every stopped node's position before choosing a node to bootstrap.
        if let crashed = stopped.first(where: { $0.storedPosition == .needsRecovery }) {
            let fault: FaultKind = survivors.isEmpty ? .clusterDown : .quorumLost
            return .step(.init(fault: fault, action: .recoverPosition(node: crashed.name),
                               reason: "\(crashed.summary); every position must be known before choosing a node to bootstrap"))
        }
        let stoppedPositions: [(node: NodeSnapshot, position: GaleraPosition, safe: Bool)] = stopped.compactMap {
            if case .known(let position, let safe) = $0.storedPosition { return ($0, position, safe) }
            return nil
        }
        guard stoppedPositions.count == stopped.count else {
            return unlisted(snapshot, detail: "a stopped node's position is not usable")
        }

        if !survivors.isEmpty {
            return decideSurvivorBootstrap(survivors: survivors, stopped: stoppedPositions)
        }
        return decideClusterBootstrap(stoppedPositions)
    }

    /// Row 16: the survivors lost quorum and the other nodes are confirmed stopped.
    private static func decideSurvivorBootstrap(
        survivors: [NodeSnapshot], stopped: [(node: NodeSnapshot, position: GaleraPosition, safe: Bool)]
    ) -> FaultPlan {
        // An explicit, typed closure: the inferred one building a labeled tuple inside
        // `liveSeqno.map` crashed the compiler in release builds ("Found ownership error?!").
        var candidates: [(node: NodeSnapshot, seqno: Int64, safe: Bool)] = []
        for node in survivors {
            if let seqno = node.liveSeqno { candidates.append((node: node, seqno: seqno, safe: false)) }
        }
        guard let best = mostAdvanced(candidates) else {
            return .manual(.init(reason: "SurvivorSeqnoUnknown", seen: "the survivors do not report their last committed seqno",
                                 advice: "Check `SHOW GLOBAL STATUS LIKE 'wsrep_last_committed'` on each survivor."))
        }
        let survivorSeqno = best.node.liveSeqno ?? -1
        if let ahead = stopped.filter({ $0.position.seqno > survivorSeqno }).max(by: { $0.position.seqno < $1.position.seqno }) {
            return .manual(.init(
                reason: "StoppedNodeAhead",
                seen: "quorum is lost; survivor \(best.node.name) is at seqno \(survivorSeqno) but stopped node \(ahead.node.name) is at \(ahead.position)",
                advice: "Re-bootstrapping the survivor would discard transactions only \(ahead.node.name) has. Stop the survivors and bootstrap \(ahead.node.name) from its position, or restore from a backup."))
        }
        return .step(.init(
            fault: .quorumLost, action: .bootstrapSurvivor(node: best.node.name),
            reason: "quorum lost: survivor \(best.node.name) (seqno \(survivorSeqno)) is the most advanced node; every other node is confirmed stopped"))
    }

    /// Row 17: every node stopped, every position known.
    private static func decideClusterBootstrap(_ stopped: [(node: NodeSnapshot, position: GaleraPosition, safe: Bool)]) -> FaultPlan {
        guard let best = mostAdvanced(stopped.map { ($0.node, $0.position.seqno, $0.safe) }) else {
            return .manual(.init(reason: "NoCandidate", seen: "every node is stopped but none has a usable position",
                                 advice: "Restore the cluster from a backup."))
        }
        guard let position = stopped.first(where: { $0.node.name == best.node.name })?.position else {
            return .manual(.init(reason: "NoCandidate", seen: "internal: the chosen node has no position", advice: "Report this as a bug."))
        }
        var reason = "every node is stopped; \(best.node.name) has the highest seqno (\(position))"
        if let flagged = stopped.first(where: { $0.safe }), flagged.node.name != best.node.name {
            reason += "; \(flagged.node.name) is marked safe_to_bootstrap but is at \(flagged.position), behind: the most advanced node wins"
        }
        return .step(.init(fault: .clusterDown, action: .bootstrap(node: best.node.name, position: position), reason: reason))
    }

    /// The highest seqno; among equals, one marked safe_to_bootstrap, else the lowest ordinal.
    static func mostAdvanced(_ candidates: [(node: NodeSnapshot, seqno: Int64, safe: Bool)]) -> (node: NodeSnapshot, seqno: Int64)? {
        mostAdvanced(candidates, seqno: \.seqno, safe: \.safe, ordinal: \.node.ordinal).map { ($0.node, $0.seqno) }
    }

    /// The same rule for any description of stopped nodes (a cancelled restore's intact nodes).
    static func mostAdvanced<Candidate>(_ candidates: [Candidate], seqno: (Candidate) -> Int64, safe: (Candidate) -> Bool,
                                        ordinal: (Candidate) -> Int) -> Candidate? {
        guard let top = candidates.map(seqno).max() else { return nil }
        let leaders = candidates.filter { seqno($0) == top }
        return leaders.first(where: safe) ?? leaders.min(by: { ordinal($0) < ordinal($1) })
    }

    /// Row 4: nodes claim different cluster UUIDs.
    private static func uuidDisagreement(_ nodes: [NodeSnapshot]) -> ManualIntervention? {
        let claims = nodes.compactMap { node in node.clusterUUID.map { (node.name, $0) } }
        guard Set(claims.map(\.1)).count > 1 else { return nil }
        let listing = claims.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
        return .init(
            reason: "ClusterUUIDMismatch",
            seen: "the nodes belong to different cluster histories (\(listing))",
            advice: "Decide which history to keep; empty the datadirs of the nodes on the other one so they rejoin by SST, or restore from a backup.")
    }

    /// Row 18.
    private static func unlisted(_ snapshot: ClusterSnapshot, detail: String) -> FaultPlan {
        .manual(.init(
            reason: "UnlistedSituation",
            seen: "\(detail): " + snapshot.nodes.map(\.summary).joined(separator: "; "),
            advice: "This is not a fault the controller repairs automatically. Inspect the nodes (`kubectl qmysql status \(snapshot.clusterName)`) and bring them back by hand."))
    }
}
