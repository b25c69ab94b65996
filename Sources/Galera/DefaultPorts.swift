/// The ports every part of qmysql agrees on. Standard MySQL and Galera ports for mysqld; the
/// agent's and the controller's APIs next to each other, away from both.
public enum DefaultPorts {
    public static let mysql = 3306
    public static let galera = 4567
    public static let ist = 4568
    public static let sst = 4444
    /// The agent's HTTP API in every database pod.
    public static let agent = 9809
    /// The controller's HTTP API (status, reports from agents, tasks).
    public static let controller = 9810
}
