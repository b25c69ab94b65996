import Foundation
import KubeAPI

/// One or more kubeconfig files, parsed and merged the way kubectl merges them.
///
/// Every entry remembers the file it came from (`origin`), so that error messages can say
/// where a broken setting lives, and relative paths were already resolved against that
/// file's directory while parsing.
public struct KubeConfig: Sendable, Hashable {
    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The file whose `current-context` won the merge.
    public var currentContextOrigin: String?
    /// The files that were read, in merge order (missing `KUBECONFIG` entries are not listed).
    public var files: [String] = []

    public init() {}

    /// True when no file defined anything (kubectl then tries the in-cluster configuration).
    public var isEmpty: Bool { clusters.isEmpty && users.isEmpty && contexts.isEmpty }

    public struct Cluster: Sendable, Hashable {
        public var name: String
        public var server: String
        /// An absolute path.
        public var certificateAuthority: String?
        /// PEM bytes (already base64-decoded).
        public var certificateAuthorityData: Data?
        public var insecureSkipTLSVerify: Bool = false
        public var tlsServerName: String?
        /// `extensions[name == client.authentication.k8s.io/exec].extension`, handed to exec
        /// plugins that ask for cluster information.
        public var execExtension: JSONValue?
        public var origin: String
        /// The line of the entry in `origin`, for messages.
        public var line: Int?

        public init(name: String, server: String, origin: String) {
            self.name = name
            self.server = server
            self.origin = origin
        }
    }

    /// A `users[]` entry (client-go calls it AuthInfo).
    public struct User: Sendable, Hashable {
        public var name: String
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        public var clientKey: String?
        public var clientKeyData: Data?
        public var exec: ExecConfig?
        /// Set when the entry uses an `auth-provider`, which this client does not implement.
        public var authProvider: String?
        public var origin: String
        public var line: Int?

        public init(name: String, origin: String) {
            self.name = name
            self.origin = origin
        }
    }

    public struct Context: Sendable, Hashable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var origin: String
        public var line: Int?

        public init(name: String, cluster: String, user: String, namespace: String? = nil, origin: String) {
            self.name = name
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
            self.origin = origin
        }
    }

    /// Adds the entries of `file` that are not defined yet: for every name the first file wins,
    /// and the first non-empty `current-context` wins (kubectl's rules for `KUBECONFIG` lists).
    public mutating func merge(_ file: KubeConfig) {
        for (name, cluster) in file.clusters where clusters[name] == nil { clusters[name] = cluster }
        for (name, user) in file.users where users[name] == nil { users[name] = user }
        for (name, context) in file.contexts where contexts[name] == nil { contexts[name] = context }
        if currentContext == nil, let current = file.currentContext, !current.isEmpty {
            currentContext = current
            currentContextOrigin = file.currentContextOrigin
        }
        files += file.files
    }
}

/// A `users[].user.exec` entry: a credential plugin to run.
public struct ExecConfig: Sendable, Hashable {
    /// An absolute path when the kubeconfig gave a path (relative ones are resolved against the
    /// kubeconfig's directory); a bare name is looked up in `PATH` when the plugin runs.
    public var command: String
    public var args: [String] = []
    public var env: [(name: String, value: String)] = []
    /// `client.authentication.k8s.io/v1` or `.../v1beta1`.
    public var apiVersion: String
    public var installHint: String?
    public var provideClusterInfo: Bool = false
    /// `Never`, `IfAvailable` or `Always`.
    public var interactiveMode: String?

    public init(command: String, apiVersion: String) {
        self.command = command
        self.apiVersion = apiVersion
    }

    public static func == (lhs: ExecConfig, rhs: ExecConfig) -> Bool {
        lhs.command == rhs.command && lhs.args == rhs.args
            && lhs.env.map(\.name) == rhs.env.map(\.name) && lhs.env.map(\.value) == rhs.env.map(\.value)
            && lhs.apiVersion == rhs.apiVersion && lhs.installHint == rhs.installHint
            && lhs.provideClusterInfo == rhs.provideClusterInfo && lhs.interactiveMode == rhs.interactiveMode
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(command)
        hasher.combine(args)
        hasher.combine(apiVersion)
    }
}
