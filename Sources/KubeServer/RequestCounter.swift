import Synchronization

/// Counts resource requests by user, verb and resource, as kube-apiserver's
/// `apiserver_request_total` does: tests use it to prove what a client sent (for instance, that
/// an operator in steady state writes nothing).
final class RequestCounter: Sendable {
    private let counts = Mutex([RequestKey: Int]())
    private let denials = Mutex([RequestKey: Int]())

    func record(user: String, _ attributes: AuthorizationAttributes, denied: Bool) {
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let key = RequestKey(user: user, verb: attributes.verb, resource: resource)
        counts.withLock { $0[key, default: 0] += 1 }
        if denied { denials.withLock { $0[key, default: 0] += 1 } }
    }

    func snapshot() -> [RequestKey: Int] { counts.withLock { $0 } }

    /// The requests answered 403 Forbidden.
    func denied() -> [RequestKey: Int] { denials.withLock { $0 } }

    func reset() {
        counts.withLock { $0.removeAll() }
        denials.withLock { $0.removeAll() }
    }
}

/// One row of `LocalKubeServer.requestCounts()`: `verb` as kube authorizes it (get, list, watch,
/// create, update, patch, delete, deletecollection) and `resource` with its subresource
/// (`qiniumysqls/status`).
public struct RequestKey: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var verb: String
    public var resource: String

    public var description: String { "\(user) \(verb) \(resource)" }
}
