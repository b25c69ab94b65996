import Synchronization

/// Who may call the server and what they may do: the bearer-token table and the per-user
/// rules. Changed at runtime by tests (`addToken`, `setRules`), read on every request.
final class AccessPolicy: Sendable {
    private struct State {
        var tokens: [String: KubeUser] = [:]
        var rules: [String: [AccessRule]] = [:]
    }

    private let state = Mutex(State())

    func user(forToken token: String) -> KubeUser? {
        state.withLock { $0.tokens[token] }
    }

    func addToken(_ token: String, for user: KubeUser) {
        state.withLock { $0.tokens[token] = user }
    }

    func removeToken(_ token: String) {
        _ = state.withLock { $0.tokens.removeValue(forKey: token) }
    }

    /// nil: the user is an administrator (the default).
    func rules(for user: String) -> [AccessRule]? {
        state.withLock { $0.rules[user] }
    }

    func setRules(_ rules: [AccessRule]?, for user: String) {
        state.withLock { $0.rules[user] = rules }
    }
}
