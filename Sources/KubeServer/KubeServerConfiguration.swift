import Foundation

/// How a `LocalKubeServer` starts. The defaults are kube-apiserver's where kube has one;
/// tests shorten the intervals (bookmarks, history size) to exercise the edge cases quickly.
public struct KubeServerConfiguration: Sendable {
    /// Must be a loopback address: the server never listens beyond 127.0.0.0/8.
    public var host = "127.0.0.1"
    /// 0 picks a free port; read it back from `LocalKubeServer.port`.
    public var port = 0
    /// nil generates a new CA; pass a saved one to keep issued kubeconfigs valid across restarts.
    public var certificateAuthority: CertificateAuthority?
    /// The bearer token of the built-in administrator (user `admin`, group `system:masters`); nil makes a random one.
    public var adminToken: String?
    /// Extra bearer tokens, each for a user.
    public var tokens: [String: KubeUser] = [:]
    /// kube's `--anonymous-auth`: off here, so a request without credentials is a 401.
    public var allowAnonymous = false
    /// How many changes the watch history keeps per resource (like kube's watch cache window).
    public var historySize = 10_000
    /// How often watches that asked for bookmarks get one (kube: about a minute).
    public var bookmarkInterval: Duration = .seconds(60)
    /// Watches without `timeoutSeconds` end after a random time in this range (kube: 30 to 60 minutes).
    public var watchTimeoutRange: ClosedRange<Int> = 1800...3600
    /// Events a slow watcher may have pending before the server ends its watch.
    public var watchBufferSize = 10_000
    /// Delay before the controllers (CRD establishment, garbage collector, namespace cleanup) act.
    public var controllerDelay: Duration = .zero
    /// kube-apiserver rejects bodies over 3 MiB.
    public var maxRequestBodySize = 3 * 1024 * 1024
    /// A file to keep every object in, so a restarted server comes back with them (same uids and
    /// resourceVersions, no history). Loaded at start (a missing file starts empty and creates its
    /// directory; an unreadable or corrupt one makes `start` throw and is left untouched), written
    /// within about 100 ms of each change and at shutdown. nil keeps everything in memory only.
    public var storagePath: String?

    public init() {}
}
