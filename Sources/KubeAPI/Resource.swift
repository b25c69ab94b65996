/// Where a kind lives in the API: group, version and plural resource name, and whether it is
/// namespaced. This is all the client needs to build a URL and all the server needs to route one.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    public var group: String      // "" for the core group
    public var version: String
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `v1` for the core group, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1` or `/apis/group/version`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// `plural.group`, the name kubectl and RBAC use (`qiniumysqls.mysql.qiniu.com`).
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The collection path: `/apis/g/v/namespaces/ns/plural`, or cluster-wide when `namespace` is nil.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = groupVersionPath
        if namespaced, let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(plural)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        return path
    }
}

/// A typed Kubernetes object.
public protocol KubeResource: Codable, Sendable {
    static var resourceType: ResourceType { get }
    var metadata: ObjectMeta { get set }
}

extension KubeResource {
    public var apiVersionString: String { Self.resourceType.apiVersion }
}

/// A list of typed objects, as `GET` on a collection returns it.
public struct KubeList<Item: KubeResource>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta
    public var items: [Item]

    public init(metadata: ListMeta = ListMeta(), items: [Item]) {
        self.metadata = metadata
        self.items = items
    }
}

/// One event of a watch stream.
public enum WatchEventType: String, Codable, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}
