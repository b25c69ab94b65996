import Foundation
import KubeAPI
import X509

/// A request as the HTTP layer received it.
struct HTTPRequestData: Sendable {
    var method: String
    var uri: String
    var headers: [(name: String, value: String)]
    var body: Data
    var peerCertificate: Certificate?

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The request pipeline in kube's order: authenticate (401), parse the path, authorize (403),
/// then serve (discovery, or the registry for resources). Independent of HTTP plumbing.
struct APIHandler: Sendable {
    let registry: Registry
    let authenticator: Authenticator
    let access: AccessPolicy
    let counter: RequestCounter

    func respond(to request: HTTPRequestData) async -> APIResponse {
        let (path, queryString) = Self.split(request.uri)
        guard let user = await authenticator.authenticate(peerCertificate: request.peerCertificate,
                                                          authorization: request.header("Authorization")) else {
            return .status(.unauthorized)
        }
        if let accept = request.header("Accept"), !Self.acceptsJSON(accept) {
            return .status(Status(message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
                                  reason: "NotAcceptable", code: 406))
        }
        let query = QueryParameters(queryString)
        switch RequestTarget.parse(method: request.method, path: path, query: query) {
        case .nonResource(let path):
            // Discovery, /version and health checks are open to every authenticated user (system:discovery).
            return await registry.nonResource(path: path, method: request.method)
        case .resource(let resourceRequest):
            let denial = Authorizer.check(user, rules: access.rules(for: user.name), resourceRequest.authorizationAttributes)
            counter.record(user: user.name, resourceRequest.authorizationAttributes, denied: denial != nil)
            if let denial { return .status(denial) }
            let context = WriteContext(user: user, userAgent: request.header("User-Agent"))
            return await registry.perform(resourceRequest, query: query, body: request.body,
                                          contentType: request.header("Content-Type"), context: context)
        }
    }

    /// This server answers in JSON only; kube would also speak YAML and protobuf.
    static func acceptsJSON(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { part in
            let type = part.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            return type.isEmpty || type == "*/*" || type == "application/*" || type == "application/json"
        }
    }

    static func split(_ uri: String) -> (path: String, query: String?) {
        guard let mark = uri.firstIndex(of: "?") else { return (decodePath(uri), nil) }
        return (decodePath(String(uri[..<mark])), String(uri[uri.index(after: mark)...]))
    }

    private static func decodePath(_ path: String) -> String {
        path.removingPercentEncoding ?? path
    }
}
