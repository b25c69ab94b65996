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
            return .wait(.init(.agentBusy, node: busy.name, reason: "waiting for the agent of \(busy.name), which is \(operation.rawValue)"))
        }

        // Row 4: nodes that claim different histories cannot be reconciled automatically.
        if let disagreement = uuidDisagreement(nodes) { return .manual(disagreement) }

        // Rows 5 and 6: every datadir is empty. A cluster never formed is formed now; one formed
        // before has lost its data, and an empty cluster under its name would hide that.
        if let plan = decideEmptyCluster(snapshot) { return plan }

        // Row 7: a member that lost its data, while no Primary component can re-seed it. Nodes
        // that hold nothing of their own are no fault: re-seeded once a Primary component exists,
        // left out of the bootstrap choice until then. With a Primary component, an all-zero node
        // joins by SST (row 11) like an empty one: it could not rejoin with its own history anyway.
        for node in nodes where node.role == .stopped && !snapshot.hasPrimary && !node.seedOnly {
            switch node.storedPosition {
            case .empty where snapshot.intent == .forming:
                continue  // not started yet: formation goes on from the node that has data
            case .empty:
                return .manual(emptyState(node, snapshot))
            case .zero:
                return .manual(zeroState(node, snapshot))
            case .known, .needsRecovery:
                continue
            }
        }

        let plan = snapshot.hasPrimary ? decideWithPrimary(snapshot) : decideWithoutSeedOnlyNodes(snapshot)
        // Row 19: never act on a node whose agent is busy (a backup): wait for it.
        if case .step(let step) = plan, let node = snapshot.node(named: step.action.node), let operation = node.agentOperation {
            return .wait(.init(.agentBusy, node: node.name, reason: "\(step.action) waits for the agent of \(node.name), which is \(operation.rawValue)"))
        }
        // Row 20: never start a node into a full disk again and again: a person makes room, and
        // the step is taken as soon as there is.
        if case .step(let step) = plan, step.action.startsMySQL, let node = snapshot.node(named: step.action.node),
           let shortage = node.diskShortage {
            let others = snapshot.nodes.filter { $0.name != node.name }.compactMap { other in other.diskShortage.map { (other.name, $0) } }
            return .manual(diskFull(node: node.name, shortage, wanted: step.action, others: others))
        }
        return plan
    }

    /// Row 20's refusal: the node the next step needs, and every other node short of room too,
    /// each with its free space, so one look says which volumes to grow.
    static func diskFull(node: String, _ shortage: NodeSnapshot.DiskShortage, wanted: RecoveryAction,
                         others: [(name: String, shortage: NodeSnapshot.DiskShortage)] = []) -> ManualIntervention {
        let said = shortage.errorLine.map { "; mysqld said: \($0.trimmingCharacters(in: .whitespaces).prefix(200))" } ?? ""
        var seen = "node \(node)'s datadir \(shortage.path) has \(ByteCount.exact(shortage.freeBytes)) free of \(ByteCount.exact(shortage.totalBytes))\(said)"
        for other in others {
            seen += "; node \(other.name)'s datadir \(other.shortage.path) has \(ByteCount.exact(other.shortage.freeBytes)) free of \(ByteCount.exact(other.shortage.totalBytes)) too"
        }
        let volumes = ([node] + others.map(\.name)).joined(separator: ", ")
        return ManualIntervention(
            reason: "DiskFull",
            seen: seen,
            advice: "Make room on the volume\(others.isEmpty ? "" : "s") of \(volumes) (delete files that are not the database's, or grow the volume); the controller then does what it would: \(wanted) (at \(ByteCount.exact(shortage.resumeAtBytes)) free or more).")
    }

    // MARK: - Formation

    /// Rows 5 and 6, and formation's wait: only when no node claims any data.
    private static func decideEmptyCluster(_ snapshot: ClusterSnapshot) -> FaultPlan? {
        let nodes = snapshot.nodes
        if snapshot.intent == .forming, !nodes.isEmpty, nodes.allSatisfy({ $0.role == .unknown }) {
            // A new cluster's pods are still starting: no agent has answered, so nothing can run.
            return .wait(.init(.agentsStarting, reason: "forming: waiting for the agents of \(nodes.map(\.name).joined(separator: ", ")) to answer"))
        }
        let empty = nodes.filter { $0.role == .stopped && $0.storedPosition == .empty }
        guard !empty.isEmpty else { return nil }
        let others = nodes.filter { !($0.role == .stopped && $0.storedPosition == .empty) }
        if snapshot.intent == .forming, !others.isEmpty, others.allSatisfy({ $0.role == .unknown }) {
            // Agents are still coming up; forming needs every node's word that it is empty.
            return .wait(.init(.agentsStarting, reason: "forming: waiting for the agents of \(others.map(\.name).joined(separator: ", ")) to answer"))
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
                seen: "no node's datadir holds the cluster's data (\(nodes.map { "\($0.name): \($0.ownsNoData ? whyLeftOut($0, forming: false) : "empty")" }.joined(separator: "; "))), but the cluster was formed before: its data is gone (lost volumes?)",
                advice: "Restore the cluster from a backup: `kubectl qmysql backups \(snapshot.clusterName)` lists them, `kubectl qmysql restore \(snapshot.clusterName) --from ID` restores one. The controller never forms an empty cluster under an existing name."))
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
        if let stalled = stalledTransfer(snapshot) { return stalled }
        if let busy = nodes.first(where: { ($0.role == .primary(synced: false) && !$0.isDonorOnly) || $0.role == .starting }) {
            // A member that lost its quorum is no transfer: Galera turns it non-Primary in seconds.
            let kind: Waiting.Kind = busy.quorumGone != nil ? .viewSettling : .transfer
            return .wait(.init(kind, node: busy.name, reason: "waiting for \(busy.summary)"))
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
            return .wait(.init(.viewSettling, reason: "the Primary component still counts \(viewSize) members but only \(notStopped) node(s) run; waiting for Galera to evict the stopped node(s) before starting a joiner"))
        }
        // Row 11: rejoin one stopped node, with its position so it can take IST; an empty
        // datadir (a joiner of a forming cluster, or a replaced volume) is seeded by SST.
        if let down = stopped.first {
            switch down.storedPosition {
            case .known(let position, _):
                return .step(.init(fault: .nodeDown, action: .join(node: down.name, position: position),
                                   reason: "\(down.summary) while a Primary component serves"))
            case .empty, .zero:
                let forming = snapshot.intent == .forming
                let why = forming ? "forming: \(down.name) joins by SST"
                    : down.interruptedTransfer ? "a state transfer to \(down.name) was interrupted: it is re-seeded by SST from the Primary component"
                    : down.reseedApproved ? "a person approved replacing \(down.name)'s data: it is re-seeded by SST from the Primary component"
                    : down.observation.grastate == .absent ? "\(down.name) has an empty datadir (a new or replaced volume): it is seeded by SST from the Primary component"
                    : down.membership == .never ? "\(down.name) never was Synced in the cluster (its first join failed), so its datadir holds nothing of its own: it is seeded by SST from the Primary component"
                    : "\(down.name)'s position is all-zero (lost): it cannot rejoin with its own history and is re-seeded by SST from the Primary component"
                return .step(.init(fault: forming ? .forming : .nodeDown, action: .join(node: down.name, position: nil), reason: why))
            case .needsRecovery:
                return unlisted(snapshot, detail: "stopped node \(down.name) has no usable position")
            }
        }
        // Row 12: nodes cut off by the network rejoin by themselves.
        let others = nodes.filter { $0.role == .unknown || $0.role == .nonPrimary }
        if !others.isEmpty {
            let names = others.map(\.summary).joined(separator: "; ")
            return .wait(.init(.rejoining, node: others.map(\.name).joined(separator: ","),
                               reason: "the Primary component serves; waiting for \(names) to rejoin by itself (a cut-off node rejoins when its network is back)"))
        }
        return .none(reason: "the Primary component serves")
    }

    /// A joiner waiting for a state transfer that cannot finish: its donor is confirmed stopped,
    /// or no Primary component has existed, for `stalledTransferAfter`. MariaDB's joiner waits
    /// for a stream that began without any timeout, and its datadir holds nothing of its own (a
    /// transfer replaces it), so it is stopped at once; it is re-seeded by SST afterwards (and
    /// without a Primary component, the others are recovered and the most advanced bootstraps).
    static func stalledTransfer(_ snapshot: ClusterSnapshot) -> FaultPlan? {
        let bound = snapshot.stalledTransferAfter
        for node in snapshot.nodes where node.observation.processRunning == true && node.observation.stateTransfer != nil {
            let donor = node.observation.stateTransfer?.donor ?? "its donor"
            if let gone = node.donorGoneFor, gone >= bound {
                return .step(.init(
                    fault: .stalledTransfer, action: .halt(node: node.name),
                    reason: "\(node.name) waits for a state transfer from \(donor), which has been stopped for \(gone.readable): it cannot finish, and a transfer leaves nothing of \(node.name)'s own to keep"))
            }
            if !snapshot.hasPrimary, node.role == .starting, let absent = snapshot.primaryAbsentFor, absent >= bound {
                return .step(.init(
                    fault: .stalledTransfer, action: .halt(node: node.name),
                    reason: "\(node.name) waits for a state transfer, but no Primary component has existed for \(absent.readable): no donor can finish it, and a transfer leaves nothing of \(node.name)'s own to keep"))
            }
        }
        return nil
    }

    // MARK: - No Primary component

    /// Without a Primary component, nodes that hold nothing of their own are left out of the
    /// choice: a transfer to them was cut off, they never were members, or (forming) they were
    /// never started. They join by SST once a Primary component exists again (row 11).
    private static func decideWithoutSeedOnlyNodes(_ snapshot: ClusterSnapshot) -> FaultPlan {
        let forming = snapshot.intent == .forming
        let left = snapshot.nodes.filter { $0.seedOnly || (forming && $0.role == .stopped && $0.storedPosition == .empty) }
        guard !left.isEmpty else { return decideWithoutPrimary(snapshot) }
        var candidates = snapshot
        candidates.nodes = snapshot.nodes.filter { node in !left.contains { $0.name == node.name } }
        // Rows 5 and 6 took every node holding nothing of its own (forming, or DataLost).
        guard !candidates.nodes.isEmpty else { return unlisted(snapshot, detail: "no node holds data of its own") }
        switch decideWithoutPrimary(candidates) {
        case .manual(var intervention):
            intervention.seen += "; " + left.map { "\($0.name) left out of the choice: \(whyLeftOut($0, forming: forming))" }.joined(separator: "; ")
            return .manual(intervention)
        case let plan:
            return plan
        }
    }

    static func whyLeftOut(_ node: NodeSnapshot, forming: Bool) -> String {
        if node.interruptedTransfer { return "a state transfer to it was interrupted, so it holds nothing the others lack" }
        if node.membership == .never { return "it never was Synced in the cluster, so it holds nothing of its own" }
        return forming ? "the cluster is forming and it was not started yet" : "it holds no data"
    }

    /// Row 7's refusal for a member whose datadir is empty: its data is gone, and the others may
    /// lack its last writes. The advice names the commands.
    static func emptyState(_ node: NodeSnapshot, _ snapshot: ClusterSnapshot) -> ManualIntervention {
        let whose = node.membership == .member ? "it was a member of the cluster" : "the controller has no record of whether it was a member (it started without its state file)"
        return ManualIntervention(
            reason: "EmptyState",
            seen: "node \(node.name) is stopped with an empty datadir (no grastate.dat) while no Primary component exists, and \(whose): its data is gone, and writes only it had may be gone with it",
            advice: approveOrRestore(node, snapshot))
    }

    /// Row 7's refusal for a member whose position is all-zero, with no Primary component.
    static func zeroState(_ node: NodeSnapshot, _ snapshot: ClusterSnapshot) -> ManualIntervention {
        ManualIntervention(
            reason: "ZeroState",
            seen: "node \(node.name) is stopped with the all-zero cluster UUID while no Primary component exists: its position is lost (e.g. after a refused bootstrap), so no one can tell whether it is ahead of the others",
            advice: approveOrRestore(node, snapshot))
    }

    /// The two ways out of a member's lost data, as commands.
    static func approveOrRestore(_ node: NodeSnapshot, _ snapshot: ClusterSnapshot) -> String {
        let cluster = snapshot.clusterName
        return "If \(node.name) was not the last node to leave the Primary component, the others hold everything: approve replacing its data by creating `qmysql-reseed` in its datadir (on Kubernetes: `kubectl exec \(node.name) -c mysql -- touch /var/lib/mysql/qmysql-reseed`); the controller then brings the cluster back from the others and re-seeds \(node.name) by SST. Otherwise restore from a backup: `kubectl qmysql backups \(cluster)` lists them, `kubectl qmysql restore \(cluster) --from ID` restores one."
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
        if let stalled = stalledTransfer(snapshot) { return stalled }
        if let first = starting.first {
            return .wait(.init(.starting, node: first.name, reason: "waiting for \(first.summary)"))
        }
        let stopped = nodes.filter { $0.role == .stopped }
        let survivors = nodes.filter { $0.role == .nonPrimary }
        // Every node is now either stopped (confirmed by its agent) or a running non-Primary survivor.
        guard stopped.count + survivors.count == nodes.count else {
            return unlisted(snapshot, detail: "no Primary component")
        }
        // Row 14: every node runs and none is Primary: they cannot see each other, or could not for
        // a while. Galera merges them into a Primary component when they reach each other again
        // (measured: every node stalled 8 s, past the inactive timeout, goes non-Primary and is
        // Primary again a second after it runs); choosing one to bootstrap now would be a guess
        // about the network. The wait asks a person after its bound (AllNonPrimary).
        if stopped.isEmpty {
            return .wait(.init(.merging, reason: "every node is running but none is in a Primary component ("
                + survivors.map(\.summary).joined(separator: "; ") + "); waiting for Galera to merge them once they reach each other"))
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
