import Foundation

/// Hands out the credential for each request and refreshes it: token files are re-read every
/// few seconds (projected service-account tokens rotate), exec plugins run again when their
/// credential expires, and both are refreshed at once after the server answers 401.
actor Authenticator {
    private let source: CredentialSource
    private let environment: [String: String]
    private let userName: String?
    private let configFile: String?
    private let tokenFileRefresh: Duration
    private let clock = ContinuousClock()
    /// The time of day an exec credential's expiry is compared with (a test moves its own).
    private let wallClock: @Sendable () -> Date

    private var cached: Credential?
    private var cachedAt: ContinuousClock.Instant?
    private var inFlight: Task<Credential, Error>?
    private var generation = 0
    /// How often the exec plugin ran; tests read it to check caching.
    private(set) var pluginRuns = 0

    init(source: CredentialSource, environment: [String: String], userName: String?, configFile: String?,
         tokenFileRefresh: Duration = .seconds(5), wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.wallClock = wallClock
        self.environment = environment
        self.userName = userName
        self.configFile = configFile
        self.tokenFileRefresh = tokenFileRefresh
    }

    /// True when a 401 may be cured by fetching the credential again.
    nonisolated var canRefresh: Bool {
        switch source {
        case .tokenFile, .exec: true
        case .none, .token: false
        }
    }

    func credential() async throws -> Credential {
        switch source {
        case .none:
            return .anonymous
        case .token(let token):
            return Credential(bearerToken: token)
        case .tokenFile, .exec:
            if let cached, isFresh(cached) { return cached }
            if let inFlight { return try await inFlight.value }
            let task = Task { try await self.fetch() }
            inFlight = task
            defer { inFlight = nil }
            let credential = try await task.value
            return credential
        }
    }

    /// Forgets `used` after the server rejected it, unless a newer credential already replaced it.
    func invalidate(_ used: Credential) {
        if cached?.generation == used.generation { cached = nil }
    }

    private func isFresh(_ credential: Credential) -> Bool {
        switch source {
        case .tokenFile:
            guard let cachedAt else { return false }
            return clock.now - cachedAt < tokenFileRefresh
        default:
            if let expiry = credential.expiry { return expiry > wallClock() }
            return true
        }
    }

    private func fetch() async throws -> Credential {
        var credential: Credential
        switch source {
        case .tokenFile(let path):
            credential = Credential(bearerToken: try Self.readToken(path))
        case .exec(let config, let cluster):
            pluginRuns += 1
            let plugin = ExecCredentialPlugin(config: config, cluster: cluster, environment: environment,
                                              userName: userName, configFile: configFile)
            do {
                credential = try await plugin.run()
            } catch {
                throw KubeError.credentials(.exec(error))
            }
        case .none, .token:
            return .anonymous
        }
        generation += 1
        credential.generation = generation
        cached = credential
        cachedAt = clock.now
        return credential
    }

    private static func readToken(_ path: String) throws -> String {
        do {
            let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw KubeError.credentials(.tokenFile(path: path, reason: "the file is empty")) }
            return token
        } catch let error as KubeError {
            throw error
        } catch {
            throw KubeError.credentials(.tokenFile(path: path, reason: KubeConfigLoader.reason(error)))
        }
    }
}
