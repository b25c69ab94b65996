import KubeAPI

/// Query parameters of a list: selectors and pagination.
public struct ListOptions: Sendable, Hashable {
    /// `app=mysql,tier!=cache` (see `LabelSelector.queryString`).
    public var labelSelector: String?
    /// `metadata.name=demo`, `status.phase=Running`.
    public var fieldSelector: String?
    /// At most this many items per page; the answer's `metadata.continue` fetches the next page.
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    /// `"0"` lets the server answer from its cache; nil asks for the newest state.
    public var resourceVersion: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }

    var query: [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { query.append(("continue", continueToken)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        return query
    }
}

/// What happens to the objects a deleted object owns.
public enum PropagationPolicy: String, Sendable, Hashable, Codable {
    /// Delete dependents first, then the owner (the owner stays visible with a `foregroundDeletion` finalizer).
    case foreground = "Foreground"
    /// Delete the owner now; the garbage collector removes dependents afterwards.
    case background = "Background"
    /// Leave dependents in place, without the owner reference.
    case orphan = "Orphan"
}

/// The body of a DELETE.
public struct DeleteOptions: Sendable, Hashable {
    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int?
    /// Delete only if the object still has this resourceVersion (a 409 otherwise).
    public var preconditionResourceVersion: String?
    /// Delete only if the object still has this uid (not a re-created namesake).
    public var preconditionUID: String?

    public init(propagationPolicy: PropagationPolicy? = nil, gracePeriodSeconds: Int? = nil,
                preconditionResourceVersion: String? = nil, preconditionUID: String? = nil) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditionResourceVersion = preconditionResourceVersion
        self.preconditionUID = preconditionUID
    }

    var isEmpty: Bool { self == DeleteOptions() }

}


extension DeleteOptions {
    /// `{"kind": "DeleteOptions", "apiVersion": "v1", ...}` as kube-apiserver reads it.
    var body: JSONValue {
        var members: [String: JSONValue] = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { members["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { members["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        var preconditions: [String: JSONValue] = [:]
        if let preconditionResourceVersion { preconditions["resourceVersion"] = .string(preconditionResourceVersion) }
        if let preconditionUID { preconditions["uid"] = .string(preconditionUID) }
        if !preconditions.isEmpty { members["preconditions"] = .object(preconditions) }
        return .object(members)
    }
}
