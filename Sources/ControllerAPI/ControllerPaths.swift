/// Every path of a controller's HTTP API, in one place: its routes, the status client, the
/// agents' report URL and the probes the operator renders read them here (docs/controller.md
/// lists what each does).
public enum ControllerPaths {
    public static let health = "/healthz"
    public static let metrics = "/metrics"

    /// `GET` (`?watch=true`: a stream of changes).
    public static let status = "/v1/status"
    public static let actions = "/v1/actions"
    /// `PUT`: the desired state (`ControllerSpec`).
    public static let spec = "/v1/spec"
    /// `POST`: an agent's status report; `reports/<node>` names the node for the logs.
    public static let reports = "/v1/reports"
    public static let dataTasks = "/v1/tasks/data"
    public static let backups = "/v1/backups"

    public static func report(_ node: String) -> String { "\(reports)/\(node)" }
    public static func restart(_ node: String) -> String { "/v1/tasks/restart/\(node)" }
    public static func dataTask(_ name: String) -> String { "\(dataTasks)/\(name)" }
    public static func approve(_ name: String) -> String { "\(dataTask(name))/approve" }

    /// The routes' patterns for the paths that carry a parameter.
    public enum Pattern {
        public static let report = ControllerPaths.report(":node")
        public static let restart = ControllerPaths.restart(":node")
        public static let dataTask = ControllerPaths.dataTask(":name")
        public static let approve = ControllerPaths.approve(":name")
    }
}
