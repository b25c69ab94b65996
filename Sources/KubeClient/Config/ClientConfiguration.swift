import Foundation
import KubeAPI

/// Everything a `KubeClient` needs, resolved from kubeconfig files, options and environment:
/// where the server is, how to trust it, how to authenticate, and the names people know it by.
public struct ClientConfiguration: Sendable {
    /// The server URL as configured (`https://127.0.0.1:6443`).
    public var server: String
    public var tls: TLSSettings
    public var credentials: CredentialSource
    /// The effective default namespace.
    public var namespace: String
    public var contextName: String?
    public var clusterName: String?
    public var userName: String?
    /// The kubeconfig files that were merged (empty in a pod).
    public var configFiles: [String]
    /// Where the user's credentials are configured, for the message of a 401.
    public var credentialOrigin: String?
    public var requestTimeout: Duration?
    /// The environment handed to exec credential plugins (and searched for their `PATH`).
    public var environment: [String: String]

    public init(server: String, tls: TLSSettings = TLSSettings(), credentials: CredentialSource = .none,
                namespace: String = "default", contextName: String? = nil, clusterName: String? = nil,
                userName: String? = nil, configFiles: [String] = [], credentialOrigin: String? = nil,
                requestTimeout: Duration? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.configFiles = configFiles
        self.credentialOrigin = credentialOrigin
        self.requestTimeout = requestTimeout
        self.environment = environment
    }
}

/// How requests authenticate, besides a static client certificate in `TLSSettings`.
public enum CredentialSource: Sendable {
    case none
    case token(String)
    /// Re-read from time to time and after every 401, because projected tokens rotate.
    case tokenFile(path: String)
    /// A credential plugin; `cluster` is passed to it when the kubeconfig asks (`provideClusterInfo`).
    case exec(ExecConfig, cluster: ExecClusterInfo?)
}

/// The cluster facts an exec plugin may receive in `KUBERNETES_EXEC_INFO`.
public struct ExecClusterInfo: Sendable, Hashable {
    public var server: String
    public var tlsServerName: String?
    public var insecureSkipTLSVerify: Bool
    public var certificateAuthorityData: Data?
    public var config: JSONValue?

    public init(server: String, tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false,
                certificateAuthorityData: Data? = nil, config: JSONValue? = nil) {
        self.server = server
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.certificateAuthorityData = certificateAuthorityData
        self.config = config
    }
}
