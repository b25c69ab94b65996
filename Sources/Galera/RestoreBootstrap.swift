/// Which node a restore unpacks the backup on and bootstraps (the seed's step 3, "pick the
/// bootstrap node").
///
/// One rule, used by the controller when it runs a restore and by the wizard when it recommends
/// a node, so the two never disagree for the same snapshot of node states (the controller
/// applies it to the states it publishes, which are the ones the wizard reads).
///
/// The backup replaces the chosen node's data, so what that node holds does not matter; what
/// matters is that its agent answers and its volume is healthy, because the backup is unpacked
/// and prepared there before anything else changes. Hence: the healthiest state first (a Green
/// node proved its disk and mysqld a moment ago; Red-unclean may have crashed for a reason),
/// then the lowest ordinal, as everywhere else in the cluster's rules. A node whose agent does
/// not answer (Unknown) is never chosen.
public enum RestoreBootstrap {
    public struct Candidate: Sendable, Hashable {
        public var name: String
        public var ordinal: Int
        public var state: NodeState

        public init(name: String, ordinal: Int, state: NodeState) {
            self.name = name
            self.ordinal = ordinal
            self.state = state
        }
    }

    public struct Choice: Sendable, Hashable {
        public var node: String
        /// Why, in a phrase that completes "demo-0 (…)".
        public var reason: String

        public init(node: String, reason: String) {
            self.node = node
            self.reason = reason
        }
    }

    /// The preference among answering nodes, best first.
    static let preference: [NodeState] = [.green, .yellow, .redClean, .redUnclean]

    /// The requested node when there is one (the request was validated against the node list);
    /// else the rule's choice; nil when no node's agent answers.
    public static func choose(requested: String? = nil, among candidates: [Candidate]) -> Choice? {
        if let requested {
            return Choice(node: requested, reason: "as requested")
        }
        for state in preference {
            let matching = candidates.filter { $0.state == state }
            guard let first = matching.min(by: { $0.ordinal < $1.ordinal }) else { continue }
            let scope = matching.count == 1 ? "the only \(state.rawValue) node" : "the lowest ordinal among the \(state.rawValue) nodes"
            return Choice(node: first.name, reason: "\(scope); the backup replaces its data, so what it holds now does not matter")
        }
        return nil
    }
}
