import KubeAPI
import KubeSchema

/// One RBAC-style rule: the verbs allowed on resources of API groups, in namespaces.
/// `"*"` matches anything. A user with rules may do only what some rule allows; a user without
/// rules is an administrator (the server's default, so tests opt in to restrictions).
public struct AccessRule: Sendable, Hashable {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or `*`.
    public var verbs: [String]
    /// `""` for the core group, `mysql.qiniu.com`, ..., or `*`.
    public var apiGroups: [String]
    /// Plural names, `plural/subresource` (like `qiniumysqls/status`), `*/status`, or `*`.
    public var resources: [String]
    /// The namespaces the rule applies in; nil applies everywhere, cluster scope included.
    public var namespaces: [String]?
    /// Restricts the rule to these object names; nil means any name.
    public var resourceNames: [String]?

    public init(verbs: [String], apiGroups: [String], resources: [String],
                namespaces: [String]? = nil, resourceNames: [String]? = nil) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.namespaces = namespaces
        self.resourceNames = resourceNames
    }

    /// Everything, everywhere.
    public static let all = AccessRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])

    func allows(_ attributes: AuthorizationAttributes) -> Bool {
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        guard apiGroups.contains("*") || apiGroups.contains(attributes.group) else { return false }
        let combined = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let resourceMatches = resources.contains { pattern in
            if pattern == "*" || pattern == combined { return true }
            if let subresource = attributes.subresource, pattern == "*/\(subresource)" { return true }
            return false
        }
        guard resourceMatches else { return false }
        if let namespaces {
            guard let namespace = attributes.namespace, namespaces.contains(namespace) else { return false }
        }
        if let resourceNames {
            guard let name = attributes.name, resourceNames.contains(name) else { return false }
        }
        return true
    }
}

/// What a request wants to do, in the terms authorization decides on (kube's RequestInfo).
struct AuthorizationAttributes: Sendable, Hashable {
    var verb: String
    var group: String
    var resource: String
    var subresource: String?
    var namespace: String?
    var name: String?
}

/// The authorization decision, pure: admins (no rules, or `system:masters`) may do anything;
/// others only what a rule allows. Denials carry kube's exact forbidden message.
enum Authorizer {
    static func check(_ user: KubeUser, rules: [AccessRule]?, _ attributes: AuthorizationAttributes) -> Status? {
        guard let rules, !user.groups.contains(KubeUser.mastersGroup) else { return nil }
        if rules.contains(where: { $0.allows(attributes) }) { return nil }
        var resource = attributes.resource
        if let subresource = attributes.subresource { resource += "/\(subresource)" }
        let scope = attributes.namespace.map { "in the namespace \(GoFormat.quote($0))" } ?? "at the cluster scope"
        let reason = "User \(GoFormat.quote(user.name)) cannot \(attributes.verb) resource \(GoFormat.quote(resource)) in API group \(GoFormat.quote(attributes.group)) \(scope)"
        return .forbidden(GroupResource(group: attributes.group, resource: attributes.resource),
                          name: attributes.name ?? "", reason)
    }
}
