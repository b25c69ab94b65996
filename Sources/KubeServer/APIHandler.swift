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

/// Why an exec was not started: the answer to give (a plain HTTP response, no upgrade).
struct ExecRefusal: Error {
    var response: APIResponse
    init(_ response: APIResponse) { self.response = response }
}

/// The request pipeline in kube's order: authenticate (401), parse the path, authorize (403),
/// then serve (discovery, or the registry for resources). Independent of HTTP plumbing.
struct APIHandler: Sendable {
    let registry: Registry
    let authenticator: Authenticator
    let access: AccessPolicy
    let counter: RequestCounter
    /// The node's side of `pods/log` and `pods/exec` (the playground's runtime), once connected.
    let pods: PodConnectionSlot

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
            if resourceRequest.group.isEmpty, resourceRequest.resource == "pods", resourceRequest.subresource == "exec" {
                // Not a WebSocket upgrade (kubectl falls back to SPDY when one fails): say why
                // the exec cannot run, or that it takes a WebSocket. `checkExec` authorizes and
                // counts it as kube does (`create` on pods/exec), once.
                if case .failure(let refusal) = await checkExec(request) { return refusal.response }
                return .status(.badRequest("the local API server runs exec over WebSockets only (v5.channel.k8s.io or v4.channel.k8s.io, kubectl 1.30 or newer), not SPDY"))
            }
            let denial = Authorizer.check(user, rules: access.rules(for: user.name), resourceRequest.authorizationAttributes)
            counter.record(user: user.name, resourceRequest.authorizationAttributes, denied: denial != nil)
            if let denial { return .status(denial) }
            if resourceRequest.group.isEmpty, resourceRequest.resource == "pods", resourceRequest.subresource == "log",
               resourceRequest.verb == "get" {
                var podRequest = resourceRequest
                podRequest.subresource = nil
                let found = await registry.perform(podRequest, query: QueryParameters(nil), body: Data(), contentType: nil,
                                                   context: WriteContext(user: user, userAgent: nil))
                guard case .json(200, let pod) = found else { return found }
                return PodLogs.respond(resourceRequest, query: query, pod: pod, connection: pods.current)
            }
            let context = WriteContext(user: user, userAgent: request.header("User-Agent"))
            return await registry.perform(resourceRequest, query: query, body: request.body,
                                          contentType: request.header("Content-Type"), context: context,
                                          asTable: TableConvertor.wantsTable(request.header("Accept")))
        }
    }

    /// An exec request (`pods/NAME/exec`, asking for a WebSocket): checked (`checkExec`), then the
    /// command started in the container. Either the running command, or the answer to give
    /// instead of upgrading.
    func startExec(_ request: HTTPRequestData) async -> Result<(ExecRequest, ExecProcess), ExecRefusal> {
        let exec: ExecRequest, connection: PodConnection
        switch await checkExec(request) {
        case .success(let checked): (exec, connection) = checked
        case .failure(let refusal): return .failure(refusal)
        }
        do {
            guard let process = try await connection.exec(exec) else {
                return .failure(.init(.status(.badRequest("container \(exec.container) is not valid for pod \(exec.pod): it is not running"))))
            }
            return .success((exec, process))
        } catch {
            return .failure(.init(.status(.internalError("cannot exec in \(exec.pod)/\(exec.container): \(error)"))))
        }
    }

    /// An exec request authenticated and authorized as kube does (`create` on `pods/exec`), its
    /// pod and container checked: what to run, and where.
    func checkExec(_ request: HTTPRequestData) async -> Result<(ExecRequest, PodConnection), ExecRefusal> {
        let (path, queryString) = Self.split(request.uri)
        guard let user = await authenticator.authenticate(peerCertificate: request.peerCertificate,
                                                          authorization: request.header("Authorization")) else {
            return .failure(.init(.status(.unauthorized)))
        }
        let query = QueryParameters(queryString)
        guard case .resource(var target) = RequestTarget.parse(method: "GET", path: path, query: query),
              target.group.isEmpty, target.resource == "pods", target.subresource == "exec", let name = target.name else {
            return .failure(.init(.status(.pathNotFound)))
        }
        target.verb = "create"
        let denial = Authorizer.check(user, rules: access.rules(for: user.name), target.authorizationAttributes)
        counter.record(user: user.name, target.authorizationAttributes, denied: denial != nil)
        if let denial { return .failure(.init(.status(denial))) }
        var podRequest = target
        podRequest.subresource = nil
        podRequest.verb = "get"
        let found = await registry.perform(podRequest, query: QueryParameters(nil), body: Data(), contentType: nil,
                                           context: WriteContext(user: user, userAgent: nil))
        guard case .json(200, let pod) = found else { return .failure(.init(found)) }
        guard let connection = pods.current else { return .failure(.init(.status(.pathNotFound))) }
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let defaulted = pod[path: ["metadata", "annotations", "kubectl.kubernetes.io/default-container"]]?.stringValue
        guard let container = query["container"] ?? defaulted ?? containers.first, containers.contains(container) else {
            return .failure(.init(.status(.badRequest("container \(query["container"] ?? "") is not valid for pod \(name)"))))
        }
        let command = query.all("command")
        guard !command.isEmpty else { return .failure(.init(.status(.badRequest("you must specify at least 1 command")))) }
        let exec = ExecRequest(namespace: target.namespace ?? "", pod: name, container: container, command: command,
                               stdin: query.bool("stdin") == true, stdout: query.bool("stdout") != false,
                               stderr: query.bool("stderr") != false, tty: query.bool("tty") == true)
        return .success((exec, connection))
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
