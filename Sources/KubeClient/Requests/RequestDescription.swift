import KubeAPI

/// Which request failed, in the words of RBAC and kubectl: verb, resource, namespace, name.
public struct RequestDescription: Sendable, Hashable, CustomStringConvertible {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`.
    public var verb: String
    public var resource: ResourceType?
    public var namespace: String?
    public var name: String?
    public var subresource: String?
    public var method: String
    public var path: String

    public init(verb: String, resource: ResourceType?, namespace: String?, name: String?, subresource: String? = nil,
                method: String, path: String) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.method = method
        self.path = path
    }

    /// `qiniumysqls.mysql.qiniu.com "demo"` (with `/status` for a subresource).
    public var object: String {
        guard let resource else { return path }
        var text = resource.description + (subresource.map { "/\($0)" } ?? "")
        if let name { text += " \"\(name)\"" }
        return text
    }

    /// ` in namespace "rds"` or nothing.
    public var namespacePhrase: String {
        guard let namespace, resource?.namespaced ?? true else { return "" }
        return namespace.isEmpty ? " in all namespaces" : " in namespace \"\(namespace)\""
    }

    /// `create qiniumysqls.mysql.qiniu.com "demo" in namespace "rds"`.
    public var description: String { "\(verb) \(object)\(namespacePhrase)" }
}

/// The server and identity a client talks as, carried into errors so that a message can say
/// which credentials, from which file, a server rejected.
public struct ConnectionIdentity: Sendable, Hashable {
    public var server: String
    public var userName: String?
    public var contextName: String?
    /// The kubeconfig file (or token file) the credentials come from.
    public var credentialOrigin: String?
    /// Where trusted CAs came from, for TLS verification hints.
    public var trustOrigin: String?

    public init(server: String, userName: String? = nil, contextName: String? = nil,
                credentialOrigin: String? = nil, trustOrigin: String? = nil) {
        self.server = server
        self.userName = userName
        self.contextName = contextName
        self.credentialOrigin = credentialOrigin
        self.trustOrigin = trustOrigin
    }

    /// `user "alice" (context "dev", /home/alice/.kube/config)`.
    var userPhrase: String {
        var text = userName.map { "user \"\($0)\"" } ?? "the anonymous user"
        var origin: [String] = []
        if let contextName { origin.append("context \"\(contextName)\"") }
        if let credentialOrigin { origin.append(credentialOrigin) }
        if !origin.isEmpty { text += " (\(origin.joined(separator: ", ")))" }
        return text
    }
}
