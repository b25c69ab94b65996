import KubeAPI

/// Everything the operator may do, least privilege, each rule with the reason it exists. The
/// ClusterRole below is what the Helm chart and docs/operator.md use; a test runs the operator as
/// a user holding exactly these rules, so a call it makes without a rule fails the test.
public enum OperatorRBAC {
    public struct Rule: Sendable, Hashable {
        public var apiGroup: String
        public var resources: [String]
        public var verbs: [String]
        public var reason: String
    }

    /// Objects the operator renders and applies (server-side apply: `patch`, and `create` for a
    /// missing object), watches into its caches (`list`, `watch`).
    static let renderedVerbs = ["list", "watch", "create", "patch"]

    public static let rules: [Rule] = [
        Rule(apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], verbs: ["get", "create", "patch"],
             reason: "ensure its own CRDs at start (the seed's CreateCRD/GetCRD)"),
        Rule(apiGroup: "mysql.qiniu.com", resources: ["qiniumysqls"], verbs: ["list", "watch", "patch"],
             reason: "watch clusters; add and remove its finalizer"),
        Rule(apiGroup: "mysql.qiniu.com", resources: ["qiniumysqls/status"], verbs: ["update"],
             reason: "write the cluster's status (only when it changed)"),
        Rule(apiGroup: "mysql.qiniu.com", resources: ["qiniumysqldatas"], verbs: ["list", "watch"],
             reason: "hand backup and restore tasks to the cluster's controller"),
        Rule(apiGroup: "mysql.qiniu.com", resources: ["qiniumysqldatas/status"], verbs: ["update"],
             reason: "mirror a task's phase, steps and bytes from its controller"),
        Rule(apiGroup: "", resources: ["secrets"], verbs: ["get", "list", "watch", "create", "patch"],
             reason: "create each cluster's credentials once; renew its certificates in place (the passwords are never changed); check that a spec.rootPasswordSecret exists"),
        Rule(apiGroup: "", resources: ["configmaps", "services", "serviceaccounts"], verbs: renderedVerbs,
             reason: "my.cnf, the peer, client and controller Services, the controller's ServiceAccount"),
        Rule(apiGroup: "apps", resources: ["statefulsets", "deployments"], verbs: renderedVerbs,
             reason: "the database pods and the cluster's controller"),
        Rule(apiGroup: "policy", resources: ["poddisruptionbudgets"], verbs: renderedVerbs,
             reason: "at most one node down for voluntary disruptions"),
        Rule(apiGroup: "", resources: ["pods"], verbs: ["list", "watch", "patch", "delete"],
             reason: "roll a changed template one node at a time; replace a controller that stopped answering; move the writer and reader labels"),
        Rule(apiGroup: "", resources: ["persistentvolumeclaims"], verbs: ["list", "watch", "create", "patch", "delete"],
             reason: "the backup store's claim; delete the volumes on deletion, only with deleteClaimsOnDelete"),
        Rule(apiGroup: "", resources: ["events"], verbs: ["create"],
             reason: "record state changes, recoveries and interventions on the QiniuMySQL"),
    ]

    /// Leader election, granted by a Role in the operator's own namespace only: in a ClusterRole
    /// it would let the operator renew any component's leader Lease, kube-system's included.
    public static let leaderElectionRules: [Rule] = [
        Rule(apiGroup: "coordination.k8s.io", resources: ["leases"], verbs: ["get", "create", "update"],
             reason: "leader election (only the leader reconciles), in its own namespace"),
    ]

    /// The rules of `rules` (or `leaderElectionRules`) as RBAC writes them.
    public static func policyRules(_ rules: [Rule] = rules) -> [PolicyRule] {
        rules.map { PolicyRule(apiGroups: [$0.apiGroup], resources: $0.resources, verbs: $0.verbs) }
    }
}
