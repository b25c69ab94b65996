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
/// ```
public struct PlaygroundLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// `$QMYSQL_PLAYGROUND_DIR`, else `$XDG_DATA_HOME/qmysql/playground`, else
    /// `~/.local/share/qmysql/playground`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["QMYSQL_PLAYGROUND_DIR"], !explicit.isEmpty { return explicit }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/qmysql/playground"
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
}
