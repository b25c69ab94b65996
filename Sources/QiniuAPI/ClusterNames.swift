/// The names of everything derived from one QiniuMySQL, in one place: the CLI validates against
/// them, the operator renders with them, the controller and agents are configured with them.
///
/// A cluster's name is a DNS-1123 label of at most 40 characters, so that every derived name
/// (`NAME-2`, `NAME-peers`, `NAME-controller`, `NAME-agent-tls`) still fits the 63-character
/// limit of labels, Service names and pod host names.
public struct ClusterNames: Sendable, Hashable {
    public static let maxClusterNameLength = 40

    /// The QiniuMySQL's name.
    public let cluster: String

    public init(cluster: String) { self.cluster = cluster }

    /// Node `ordinal`: the StatefulSet's pod, and the Galera node name (`wsrep_node_name`).
    public func node(_ ordinal: Int) -> String { "\(cluster)-\(ordinal)" }
    /// The inverse of `node(_:)`: `demo-2` → 2; nil when the name ends in no ordinal.
    public static func ordinal(of node: String) -> Int? {
        guard let dash = node.lastIndex(of: "-") else { return nil }
        return Int(node[node.index(after: dash)...])
    }
    /// Node names of a cluster of `replicas` nodes, in ordinal order.
    public func nodes(replicas: Int) -> [String] { (0..<max(0, replicas)).map(node) }
    /// The StatefulSet of the database pods.
    public var statefulSet: String { cluster }
    /// The headless Service through which nodes reach each other (`NAME-0.NAME-peers`).
    public var peersService: String { "\(cluster)-peers" }
    /// The client Service: ready nodes only.
    public var clientService: String { cluster }
    /// The writer endpoint: the one node the controller chose (docs/endpoints.md).
    public var writerService: String { "\(cluster)-writer" }
    /// The readers endpoint: ready nodes but the writer, while there are three or more.
    public var readersService: String { "\(cluster)-readers" }
    /// The controller's Deployment, Service and ServiceAccount.
    public var controller: String { "\(cluster)-controller" }
    /// The Secret with the generated passwords and the agent token.
    public var secret: String { "\(cluster)-secret" }
    /// The ConfigMap with the my.cnf settings.
    public var configMap: String { "\(cluster)-config" }
    /// The backup store's volume claim (only the controller mounts it).
    public var backups: String { Self.backupClaim(of: cluster) }
    public static func backupClaim(of cluster: String) -> String { "\(cluster)-backups" }

    /// The DNS name of node `ordinal` inside the namespace (pod DNS through the headless Service).
    public func nodeHost(_ ordinal: Int) -> String { "\(node(ordinal)).\(peersService)" }

    /// Why `name` cannot name a cluster (or a task), or nil when it can.
    public static func problem(with name: String, what: String = "cluster name") -> String? {
        let allowed = name.allSatisfy { ($0.isLowercase && $0.isASCII) || ($0.isNumber && $0.isASCII) || $0 == "-" }
        guard !name.isEmpty, allowed, name.first?.isLetter == true, name.last != "-" else {
            return "\(what) \"\(name)\" is not valid: use lower-case letters, digits and '-', starting with a letter and not ending with '-' (like \"demo\" or \"orders-db\")."
        }
        guard name.count <= maxClusterNameLength else {
            return "\(what) \"\(name)\" is \(name.count) characters long; the limit is \(maxClusterNameLength), so that pod and service names derived from it fit in 63."
        }
        return nil
    }
}

/// Annotations more than one part reads or writes.
public enum QiniuAnnotations {
    /// On a balanced Service in the playground: the address the runtime published it at on this
    /// machine, `127.0.0.1:13306` (or `name=address,...` for several ports), which
    /// `kubectl qmysql status` shows as the endpoint.
    public static let publishedAddress = "playground.mysql.qiniu.com/address"
}

/// The labels on every object qmysql creates, and on the objects a user creates for it.
public enum QiniuLabels {
    /// The cluster an object belongs to (also on QiniuMySQLData tasks).
    public static let cluster = "mysql.qiniu.com/cluster"
    /// What part of the system an object is: `database`, `controller`.
    public static let component = "app.kubernetes.io/component"
    public static let partOf = "app.kubernetes.io/part-of"
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let name = "app.kubernetes.io/name"
    public static let instance = "app.kubernetes.io/instance"
    /// The values of `component`: a database pod and what belongs to it, the cluster's controller.
    public static let database = "database"
    public static let controller = "controller"
    /// On the database pod the writer endpoint sends to (the operator moves it; at most one
    /// pod carries it at any moment), and on those the readers endpoint sends to.
    public static let writer = "mysql.qiniu.com/writer"
    public static let reader = "mysql.qiniu.com/reader"

    /// The labels every object of `cluster` carries; `component` narrows them to one part.
    public static func common(cluster: String, component: String? = nil) -> [String: String] {
        var labels = [
            name: "qmysql", instance: cluster, partOf: "qmysql", managedBy: "qmysql-operator",
            Self.cluster: cluster,
        ]
        if let component { labels[Self.component] = component }
        return labels
    }
}
