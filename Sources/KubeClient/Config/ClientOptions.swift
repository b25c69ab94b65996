/// What the command line (or a program) chose, in kubectl's terms.
public struct ClientOptions: Sendable, Hashable {
    /// `--kubeconfig`: this file only; it must exist.
    public var kubeconfig: String?
    /// `--context`: instead of `current-context`.
    public var context: String?
    /// `-n` / `--namespace`: instead of the context's namespace.
    public var namespace: String?
    /// `--request-timeout`: a deadline for each request (not for watches); nil waits as long as it takes.
    public var requestTimeout: Duration?

    public init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil, requestTimeout: Duration? = nil) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.requestTimeout = requestTimeout
    }
}

/// Where a pod finds its service account; injectable so tests can fake a pod with real files.
public struct InClusterPaths: Sendable, Hashable {
    public var token: String
    public var certificateAuthority: String
    public var namespace: String

    public init(token: String, certificateAuthority: String, namespace: String) {
        self.token = token
        self.certificateAuthority = certificateAuthority
        self.namespace = namespace
    }

    public static let standard = InClusterPaths(directory: "/var/run/secrets/kubernetes.io/serviceaccount")

    /// The three files inside one directory, as Kubernetes mounts them.
    public init(directory: String) {
        self.init(token: directory + "/token", certificateAuthority: directory + "/ca.crt", namespace: directory + "/namespace")
    }
}
