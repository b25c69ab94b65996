import Synchronization

/// What a client has sent, by verb and answer, like client-go's `rest_client_requests_total`:
/// the operator exports it as `qmysql_operator_api_requests_total`.
public final class RequestCounts: Sendable {
    public struct Key: Sendable, Hashable {
        /// The client's verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `apply`
        /// (server-side apply, a PATCH to the server), `delete`.
        public var verb: String
        /// The HTTP status code, or `<error>` when no answer came (as client-go labels it).
        public var code: String

        public init(verb: String, code: String) {
            self.verb = verb
            self.code = code
        }
    }

    private let counts = Mutex([Key: Int]())

    public init() {}

    func record(verb: String, code: String) {
        counts.withLock { $0[Key(verb: verb, code: code), default: 0] += 1 }
    }

    public var snapshot: [Key: Int] { counts.withLock { $0 } }
}
