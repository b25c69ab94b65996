import AgentAPI
import KubeAPI
import KubeRuntime
import Operator
import RoleNetwork

/// How names and Services reach pods in the playground, where there is neither cluster DNS nor
/// kube-proxy. Pure.
///
/// - Names: each namespace gets a host table (`QMYSQL_HOSTS_FILE`) with what its pods' DNS
///   would answer: `HOSTNAME.SUBDOMAIN` of every pod with a hostname and subdomain (a
///   StatefulSet's pods), and every Service's name, in the short form for the namespace itself
///   and `.NS`, `.NS.svc`, `.NS.svc.cluster.local` for all. A Service name resolves to one ready
///   pod behind it (there is no virtual IP to give): exact for the one-pod controller Service.
/// - Services: every Service with a selector and no `clusterIP: None` gets an `EndpointProxy`
///   per port, whose backends are its ready pods at the port's target.
public enum ServiceRouting {
    public struct PodRoute: Sendable, Equatable {
        public var key: ObjectKey
        public var address: String
        public var labels: [String: String]
        public var ready: Bool
        public var hostname: String?
        public var subdomain: String?
        /// Container port names to numbers.
        public var ports: [String: Int]

        public init(pod: JSONValue, address: String, ready: Bool) {
            key = ObjectKey(pod) ?? ObjectKey(namespace: "", name: "")
            self.address = address
            labels = (pod[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            self.ready = ready
            hostname = pod[path: ["spec", "hostname"]]?.stringValue
            subdomain = pod[path: ["spec", "subdomain"]]?.stringValue
            var ports: [String: Int] = [:]
            for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
                for port in container["ports"]?.arrayValue ?? [] {
                    if let name = port["name"]?.stringValue, let number = port["containerPort"]?.intValue { ports[name] = Int(number) }
                }
            }
            self.ports = ports
        }
    }

    static func qualified(_ name: String, namespace: String) -> [String] {
        ["\(name).\(namespace)", "\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local"]
    }

    static func selector(_ service: JSONValue) -> [String: String]? {
        guard let selector = service[path: ["spec", "selector"]]?.objectValue, !selector.isEmpty else { return nil }
        return selector.compactMapValues(\.stringValue)
    }

    static func selected(_ service: JSONValue, from pods: [PodRoute]) -> [PodRoute] {
        guard let selector = selector(service), let namespace = service[path: ["metadata", "namespace"]]?.stringValue else { return [] }
        return pods.filter { pod in
            pod.key.namespace == namespace && selector.allSatisfy { pod.labels[$0.key] == $0.value }
        }.sorted { $0.key.name < $1.key.name }
    }

    /// Host tables by namespace; the key "" is the table with qualified names only (for the
    /// operator, which belongs to no namespace here).
    public static func hostTables(pods: [PodRoute], services: [JSONValue], namespaces: Set<String>) -> [String: HostTable] {
        var qualified: [String: String] = [:]
        var short: [String: [String: String]] = [:]
        for pod in pods {
            guard let hostname = pod.hostname, let subdomain = pod.subdomain else { continue }
            let name = "\(hostname).\(subdomain)"
            short[pod.key.namespace, default: [:]][name] = pod.address
            for form in Self.qualified(name, namespace: pod.key.namespace) { qualified[form] = pod.address }
        }
        for service in services {
            guard let name = service[path: ["metadata", "name"]]?.stringValue,
                  let namespace = service[path: ["metadata", "namespace"]]?.stringValue else { continue }
            let behind = selected(service, from: pods)
            guard let target = behind.first(where: \.ready) ?? behind.first else { continue }
            short[namespace, default: [:]][name] = target.address
            for form in Self.qualified(name, namespace: namespace) { qualified[form] = target.address }
        }
        var tables: [String: HostTable] = ["": HostTable(qualified)]
        for namespace in namespaces.union(short.keys) {
            tables[namespace] = HostTable(qualified.merging(short[namespace] ?? [:]) { _, own in own })
        }
        return tables
    }

    /// The Services that get a load balancer: a selector, and a cluster IP (not headless).
    public static func isBalanced(_ service: JSONValue) -> Bool {
        selector(service) != nil && service[path: ["spec", "clusterIP"]]?.stringValue != "None"
    }

    /// A Service port's backends: its ready pods, at the target port (a number, or a container
    /// port name resolved per pod, as kube-proxy does).
    public static func backends(_ service: JSONValue, port: JSONValue, pods: [PodRoute]) -> [EndpointProxy.Backend] {
        selected(service, from: pods).filter(\.ready).compactMap { pod in
            let target = port["targetPort"] ?? port["port"]
            if let number = target?.intValue { return EndpointProxy.Backend(host: pod.address, port: Int(number)) }
            if let name = target?.stringValue, let number = Int(name) ?? pod.ports[name] {
                return EndpointProxy.Backend(host: pod.address, port: number)
            }
            return nil
        }
    }
}
