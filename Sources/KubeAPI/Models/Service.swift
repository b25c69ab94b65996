/// `core/v1 Service`: the headless peer Service and the client Service of a MySQL cluster.
public struct Service: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "services", kind: "Service", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    /// Load-balancer status; not modelled.
    public var status: JSONValue?

    public init(metadata: ObjectMeta, spec: ServiceSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

public struct ServiceSpec: Codable, Sendable, Hashable {
    /// `ClusterIP` (default), `NodePort`, `LoadBalancer` or `ExternalName`.
    public var type: String?
    /// `"None"` makes the Service headless.
    public var clusterIP: String?
    public var clusterIPs: [String]?
    public var selector: [String: String]?
    public var ports: [ServicePort]?
    /// A headless Service for Galera peers publishes addresses before pods are ready, so that
    /// a joining node can find its donor.
    public var publishNotReadyAddresses: Bool?
    public var sessionAffinity: String?
    public var externalTrafficPolicy: String?
    public var internalTrafficPolicy: String?

    public init(type: String? = nil, clusterIP: String? = nil, selector: [String: String]? = nil,
                ports: [ServicePort]? = nil, publishNotReadyAddresses: Bool? = nil, sessionAffinity: String? = nil) {
        self.type = type
        self.clusterIP = clusterIP
        self.selector = selector
        self.ports = ports
        self.publishNotReadyAddresses = publishNotReadyAddresses
        self.sessionAffinity = sessionAffinity
    }
}

public struct ServicePort: Codable, Sendable, Hashable {
    public var name: String?
    public var port: Int
    public var targetPort: IntOrString?
    /// `TCP` (default), `UDP` or `SCTP`.
    public var `protocol`: String?
    public var nodePort: Int?
    public var appProtocol: String?

    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil, protocol: String? = nil, nodePort: Int? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
        self.nodePort = nodePort
    }
}
