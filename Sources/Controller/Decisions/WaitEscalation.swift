/// When a wait that need not end by itself asks a person, and what it asks: pure, so the
/// controller only times the wait. Waits that progress or that their own timeouts bound (a
/// transfer from a Primary component, a busy agent) are never escalated.
extension Waiting {
    /// How long this wait may last before a person is asked; nil: never.
    func escalationBound(waitEscalateAfter: Duration, agentStartDeadline: Duration) -> Duration? {
        switch kind {
        case .transfer, .agentBusy: nil
        case .agentsStarting: agentStartDeadline
        case .rejoining, .starting, .viewSettling, .merging: waitEscalateAfter
        }
    }

    /// What a person is asked once the wait has lasted `lasted`, past its bound. The condition
    /// clears by itself when the wait ends.
    func escalation(lasted: Duration) -> ManualIntervention? {
        let node = node ?? "a node"
        let (reason, seen, advice): (String, String, String)
        switch kind {
        case .transfer, .agentBusy:
            return nil
        case .rejoining:
            (reason, seen, advice) = (
                "NodeCutOff",
                "\(node) has not rejoined the Primary component for \(lasted.readable) (\(self.reason))",
                "Check the network between \(node) and the other nodes: it rejoins by itself once it reaches them (by IST). If it cannot, restart its pod (kubectl delete pod \(node)): its agent starts it again and it joins.")
        case .starting:
            (reason, seen, advice) = (
                "NodeNotAnswering",
                "\(node)'s mysqld has run for \(lasted.readable) without answering SQL while no Primary component exists (\(self.reason))",
                "Look at \(node)'s log (kubectl logs \(node)): InnoDB's crash recovery of a large datadir takes time and says so; a mysqld that hangs can be stopped (kubectl delete pod \(node)) and the controller decides again.")
        case .viewSettling:
            (reason, seen, advice) = (
                "ViewNotChanging",
                "the Primary component has counted stopped nodes for \(lasted.readable) (\(self.reason))",
                "Galera evicts stopped members within seconds; look at the running nodes' logs (kubectl logs \(node)) for EVS messages.")
        case .merging:
            (reason, seen, advice) = (
                "AllNonPrimary",
                "no node has been in a Primary component for \(lasted.readable), though every node runs (\(self.reason))",
                "The nodes cannot reach each other: check the network between them; they merge by themselves once they do. If it cannot be repaired, bootstrap the node with the highest wsrep_last_committed by hand (SET GLOBAL wsrep_provider_options='pc.bootstrap=YES').")
        case .agentsStarting:
            (reason, seen, advice) = (
                "AgentsNotStarting",
                "not every agent has answered for \(lasted.readable) (\(self.reason)); a new cluster forms only once each says its datadir is empty",
                "Check the pods (kubectl describe pod): an image that cannot be pulled, a volume that does not attach, or a node that cannot schedule them.")
        }
        return ManualIntervention(reason: reason, seen: seen, advice: advice)
    }
}
