import Foundation

/// Where everything of one playground lives, under one directory (`--dir`, default
/// `~/.local/share/qmysql/playground`). Deleting the directory (`playground down --purge`)
/// deletes the playground.
///
/// ```
/// kubeconfig                  the administrator's kubeconfig for the playground's API server
/// host.pid host.log           the host: API server, runtime, endpoints
/// settings.json               the API server's port, CA and token (so the kubeconfig stays valid)
/// api/objects.json            every API object (the "etcd")
/// runtime.json                pod addresses and endpoint ports, kept across restarts
/// status.json                 what runs, written by the host for `playground status`
/// operator.pid operator.log   the operator
/// hosts/<namespace>           each namespace's name table (QMYSQL_HOSTS_FILE)
/// pods/<ns>/<pod>/            a pod: volumes/<name>/, <container>.log, <container>.pid
/// volumes/<ns>/<claim>/       a PersistentVolumeClaim
/// images/<image>/             an image's user database (passwd, group); the qmysql executable
/// ```
public struct PlaygroundLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// `$QMYSQL_PLAYGROUND_DIR`, else for root `/var/lib/qmysql/playground` (where a kubelet keeps
    /// its pods: root's home is closed to the users pods run as), else
    /// `$XDG_DATA_HOME/qmysql/playground`, else `~/.local/share/qmysql/playground`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   root: Bool = geteuid() == 0) -> String {
        if let explicit = environment["QMYSQL_PLAYGROUND_DIR"], !explicit.isEmpty { return explicit }
        if root { return "/var/lib/qmysql/playground" }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/qmysql/playground"
    }

    /// The first directory on the way to `root` that users other than its owner cannot enter
    /// (no execute bit for others), with its mode: pods that run as their own users could not
    /// reach their volumes under it. nil when every step is open.
    public func closedAncestor() -> (path: String, mode: Int)? {
        var path = ""
        for component in root.split(separator: "/") {
            path += "/" + component
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }  // not made yet: made open
            if Int(info.st_mode) & 0o001 == 0 { return (path, Int(info.st_mode) & 0o7777) }
        }
        return nil
    }

    public var kubeconfig: String { root + "/kubeconfig" }
    public var hostPIDFile: String { root + "/host.pid" }
    public var hostLog: String { root + "/host.log" }
    public var settings: String { root + "/settings.json" }
    public var objects: String { root + "/api/objects.json" }
    public var runtimeState: String { root + "/runtime.json" }
    public var status: String { root + "/status.json" }
    public var operatorPIDFile: String { root + "/operator.pid" }
    public var operatorLog: String { root + "/operator.log" }

    public func hostsFile(namespace: String) -> String { root + "/hosts/" + (namespace.isEmpty ? "_cluster" : namespace) }
    /// The table with only fully qualified names, for processes outside any namespace (the operator).
    public var clusterHostsFile: String { hostsFile(namespace: "") }
    public func podDirectory(namespace: String, pod: String) -> String { root + "/pods/\(namespace)/\(pod)" }
    public func volumeDirectory(namespace: String, pod: String, volume: String) -> String {
        podDirectory(namespace: namespace, pod: pod) + "/volumes/\(volume)"
    }
    public func claimDirectory(namespace: String, claim: String) -> String { root + "/volumes/\(namespace)/\(claim)" }
    public func containerLog(namespace: String, pod: String, container: String) -> String {
        podDirectory(namespace: namespace, pod: pod) + "/\(container).log"
    }
    public func containerPIDFile(namespace: String, pod: String, container: String) -> String {
        podDirectory(namespace: namespace, pod: pod) + "/\(container).pid"
    }
    /// An image's files as the runtime keeps them: its user database, and for the qmysql image
    /// its executable (this one, linked or copied where every container user can read it).
    public func imageDirectory(_ image: ImageKind) -> String {
        root + "/images/" + (image == .qmysql ? "qmysql" : "host")
    }
    public func imageUsersFiles(_ image: ImageKind) -> (passwd: String, group: String) {
        (imageDirectory(image) + "/passwd", imageDirectory(image) + "/group")
    }
}
