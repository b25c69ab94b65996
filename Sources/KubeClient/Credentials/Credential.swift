import Foundation

/// What one request presents: a bearer token and/or a client certificate from a plugin.
struct Credential: Sendable {
    var bearerToken: String?
    /// A certificate an exec plugin returned (static certificates live in `TLSSettings`).
    var clientIdentity: ClientIdentity?
    /// After this the credential must be fetched again (exec plugins' `expirationTimestamp`).
    var expiry: Date?
    /// Which fetch produced it, so that two requests failing with 401 refresh only once.
    var generation: Int = 0

    static let anonymous = Credential()
}

/// A credential could not be obtained: the token file is gone, or the exec plugin failed.
public enum CredentialError: Error, Sendable, CustomStringConvertible {
    case tokenFile(path: String, reason: String)
    case exec(ExecPluginError)

    public var description: String {
        switch self {
        case .tokenFile(let path, let reason):
            "cannot read the bearer token file \(path): \(reason)"
        case .exec(let error):
            error.description
        }
    }
}
