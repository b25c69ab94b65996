/// What a request path addresses, parsed the way kube's RequestInfoFactory parses it:
/// a resource request (`/apis/g/v/namespaces/ns/plural/name/status`) or anything else
/// (discovery documents, `/version`, health checks, unknown paths).
enum RequestTarget: Sendable, Equatable {
    case resource(ResourceRequest)
    case nonResource(path: String)

    static func parse(method: String, path: String, query: QueryParameters) -> RequestTarget {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var group = ""
        var version: String
        var rest: ArraySlice<String>
        switch parts.first {
        case "api":
            guard parts.count >= 3 else { return .nonResource(path: path) }
            version = parts[1]
            rest = parts[2...]
        case "apis":
            guard parts.count >= 4 else { return .nonResource(path: path) }
            group = parts[1]
            version = parts[2]
            rest = parts[3...]
        default:
            return .nonResource(path: path)
        }

        var request = ResourceRequest(verb: "", group: group, version: version, resource: "")
        var watchPath = false
        if rest.first == "watch" {
            watchPath = true
            rest = rest.dropFirst()
            if rest.isEmpty { return .nonResource(path: path) }
        }
        if rest.first == "namespaces" {
            if rest.count > 1 {
                request.namespace = rest[rest.startIndex + 1]
                if rest.count > 2, !["status", "finalize"].contains(rest[rest.startIndex + 2]) {
                    rest = rest.dropFirst(2)
                }
            }
        }
        let items = Array(rest)
        request.resource = items[0]
        if items.count > 1 { request.name = items[1] }
        if items.count > 2 { request.subresource = items[2] }
        if items.count > 3 { request.extraPath = true }

        let wantsWatch = watchPath || query.bool("watch") == true
        switch method {
        case "GET", "HEAD":
            if wantsWatch {
                request.verb = "watch"
            } else {
                request.verb = request.name == nil ? "list" : "get"
            }
        case "POST": request.verb = "create"
        case "PUT": request.verb = "update"
        case "PATCH": request.verb = "patch"
        case "DELETE": request.verb = request.name == nil ? "deletecollection" : "delete"
        default: request.verb = method.lowercased()
        }
        return .resource(request)
    }
}

/// A request for a resource: the verb and what it applies to.
struct ResourceRequest: Sendable, Equatable {
    var verb: String
    var group: String
    var version: String
    var resource: String
    var subresource: String?
    /// The namespace in the path; for `/api/v1/namespaces/x` it is `x` itself, as in kube.
    var namespace: String?
    var name: String?
    /// More path segments than any resource has: served as not found.
    var extraPath = false

    var groupResource: GroupResource { GroupResource(group: group, resource: resource) }

    var authorizationAttributes: AuthorizationAttributes {
        AuthorizationAttributes(verb: verb, group: group, resource: resource, subresource: subresource,
                                namespace: namespace, name: name)
    }
}
