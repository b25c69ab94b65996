import QiniuAPI

/// What the operator is configured with (its command line), as far as rendering and timing need
/// it. Rendering is a pure function of a QiniuMySQL and these settings: two operators with the
/// same settings render byte-identical objects, so an operator upgrade restarts no database pod
/// unless its template really changed.
public struct OperatorSettings: Sendable, Hashable {
    /// The qmysql image: the operator, the controllers, and the agent binary copied into every
    /// database pod.
    public var image: String = "ghcr.io/qiniu/qmysql:\(QMySQLVersion.current)"
    /// Where the image keeps the `kubectl-qmysql` binary.
    public var binaryPath: String = "/usr/local/bin/kubectl-qmysql"
    /// `Always`, `IfNotPresent`, `Never`; nil: Kubernetes' default for the tag.
    public var imagePullPolicy: String?
    /// Namespaces to watch; empty: all.
    public var watchNamespaces: [String] = []
    /// Server-side apply field manager.
    public var fieldManager: String = "qmysql-operator"
    /// How often every cluster is reconciled even without an event (a missed event never lasts).
    public var resyncInterval: Duration = .seconds(300)
    /// A controller silent for this long (no status line, not even its 10 s heartbeat) is
    /// unavailable: `ControllerUnavailable`, an Event, and its pod is replaced.
    public var controllerUnavailableAfter: Duration = .seconds(45)
    /// Concurrent reconciles (different clusters; one cluster is never reconciled twice at once).
    public var workers: Int = 4
    /// The controllers' log format in their pods.
    public var logFormat: String = "json"

    public init() {}
}
