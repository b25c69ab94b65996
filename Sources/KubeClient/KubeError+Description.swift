import KubeAPI

extension KubeError: CustomStringConvertible {
    /// A message a person can act on: what failed, on which server, as whom, and what to try.
    public var description: String {
        switch self {
        case .notFound(let f):
            return f.message + (f.message.contains("namespace") ? "" : f.request.namespacePhrase)
        case .resourceNotServed(let f):
            guard let resource = f.request.resource else {
                return "the server \(f.identity.server) has no API at \(f.request.path): \(f.message)"
            }
            let hint = resource.group.contains(".") && !resource.group.hasSuffix(".k8s.io")
                ? "is its CustomResourceDefinition installed?"
                : "does this Kubernetes version serve \(resource.apiVersion)?"
            return "the server \(f.identity.server) does not serve \(resource) (\(resource.apiVersion)); \(hint)"
        case .alreadyExists(let f):
            return f.message + (f.message.contains("namespace") ? "" : f.request.namespacePhrase)
        case .conflict(let f):
            return "\(f.message) [\(f.request)]"
        case .invalid(let f):
            let missing = f.causes.filter { cause in !(cause.message.map(f.message.contains) ?? true) }
            let lines = missing.map { "\n  \($0.field ?? "(object)"): \($0.message ?? $0.reason ?? "invalid")" }
            return "\(f.request.object) is invalid: \(f.message)" + lines.joined()
        case .forbidden(let f):
            return "forbidden: \(f.identity.userPhrase) may not \(f.request): \(f.message)\n"
                + "Ask a cluster administrator to grant `\(f.request.verb)` on \(f.request.resource?.description ?? f.request.path)"
                + " (a Role or ClusterRole and its binding), or use another context."
        case .unauthorized(let f):
            return "the server \(f.identity.server) rejected the credentials of \(f.identity.userPhrase): \(f.message)\n"
                + "The token or client certificate is missing, expired or not trusted by this server; "
                + "log in again or fix the user in the kubeconfig."
        case .gone(let f):
            return "\(f.message) [\(f.request)]; the server no longer has that history, list again"
        case .timeout(let f):
            return "the server \(f.identity.server) timed out on \(f.request): \(f.message)"
        case .badRequest(let f):
            return "the server \(f.identity.server) rejected \(f.request) as a bad request: \(f.message)"
        case .other(let f):
            let reason = f.status.reason.map { " \($0)" } ?? ""
            return "the server \(f.identity.server) answered \(f.code)\(reason) to \(f.request): \(f.message)"
        case .unreachable(let failure):
            return failure.description
        case .config(let error):
            return error.description
        case .credentials(let error):
            return error.description
        case .invalidResponse(let request, let server, let problem):
            return "the server \(server) answered \(request) with something this client cannot read: \(problem)"
        case .invalidRequest(let problem):
            return "invalid request: \(problem)"
        case .watchLineTooLong(let limit, let request, let server):
            return "a watch event from \(server) for \(request) is longer than \(limit) bytes; "
                + "the object is abnormally large or the server is not a Kubernetes API server"
        }
    }
}
