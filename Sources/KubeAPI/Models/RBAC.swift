/// `rbac.authorization.k8s.io/v1`: the controller's Role and RoleBinding per MySQL cluster,
/// and the operator's ClusterRole and ClusterRoleBinding written by `install`.
public struct Role: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(metadata: ObjectMeta, rules: [PolicyRule]? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.rules = rules
    }
}

public struct ClusterRole: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(metadata: ObjectMeta, rules: [PolicyRule]? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.rules = rules
    }
}

public struct PolicyRule: Codable, Sendable, Hashable {
    public var apiGroups: [String]?
    public var resources: [String]?
    public var verbs: [String]
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]?

    public init(apiGroups: [String]? = nil, resources: [String]? = nil, verbs: [String], resourceNames: [String]? = nil) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.resourceNames = resourceNames
    }
}

public struct RoleBinding: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var roleRef: RoleRef
    public var subjects: [Subject]?

    public init(metadata: ObjectMeta, roleRef: RoleRef, subjects: [Subject]? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.roleRef = roleRef
        self.subjects = subjects
    }
}

public struct ClusterRoleBinding: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var roleRef: RoleRef
    public var subjects: [Subject]?

    public init(metadata: ObjectMeta, roleRef: RoleRef, subjects: [Subject]? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.roleRef = roleRef
        self.subjects = subjects
    }
}

public struct RoleRef: Codable, Sendable, Hashable {
    public var apiGroup: String
    /// `Role` or `ClusterRole`.
    public var kind: String
    public var name: String

    public init(apiGroup: String = "rbac.authorization.k8s.io", kind: String, name: String) {
        self.apiGroup = apiGroup
        self.kind = kind
        self.name = name
    }
}

public struct Subject: Codable, Sendable, Hashable {
    /// `ServiceAccount`, `User` or `Group`.
    public var kind: String
    public var name: String
    public var namespace: String?
    public var apiGroup: String?

    public init(kind: String, name: String, namespace: String? = nil, apiGroup: String? = nil) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.apiGroup = apiGroup
    }

    public static func serviceAccount(_ name: String, namespace: String) -> Subject {
        Subject(kind: "ServiceAccount", name: name, namespace: namespace)
    }
}
