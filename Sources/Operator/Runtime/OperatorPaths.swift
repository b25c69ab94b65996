/// The operator's HTTP paths, in one place: its server serves them and the Deployment it renders
/// (and the chart, through generate-docs) probes them.
public enum OperatorPaths {
    /// The process answers.
    public static let health = "/healthz"
    /// CRDs ensured and, when leading, caches synced (a standby is ready too).
    public static let readiness = "/readyz"
    public static let metrics = "/metrics"
}
