/// `core/v1 PodSpec`: enough to render the pods of a MySQL StatefulSet and the controller
/// Deployment. Scheduling sub-trees we pass through untouched are `JSONValue`.
public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]
    public var initContainers: [Container]?
    public var volumes: [Volume]?
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var terminationGracePeriodSeconds: Int64?
    /// `Always` (default), `OnFailure` or `Never`.
    public var restartPolicy: String?
    public var nodeSelector: [String: String]?
    public var affinity: JSONValue?
    public var tolerations: JSONValue?
    public var topologySpreadConstraints: JSONValue?
    public var securityContext: PodSecurityContext?
    public var imagePullSecrets: [LocalObjectReference]?
    public var priorityClassName: String?
    public var hostname: String?
    public var subdomain: String?
    public var enableServiceLinks: Bool?

    public init(containers: [Container], initContainers: [Container]? = nil, volumes: [Volume]? = nil,
                serviceAccountName: String? = nil, automountServiceAccountToken: Bool? = nil, enableServiceLinks: Bool? = nil,
                terminationGracePeriodSeconds: Int64? = nil,
                restartPolicy: String? = nil, nodeSelector: [String: String]? = nil, affinity: JSONValue? = nil,
                tolerations: JSONValue? = nil, securityContext: PodSecurityContext? = nil,
                imagePullSecrets: [LocalObjectReference]? = nil, priorityClassName: String? = nil) {
        self.containers = containers
        self.initContainers = initContainers
        self.volumes = volumes
        self.serviceAccountName = serviceAccountName
        self.automountServiceAccountToken = automountServiceAccountToken
        self.enableServiceLinks = enableServiceLinks
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.restartPolicy = restartPolicy
        self.nodeSelector = nodeSelector
        self.affinity = affinity
        self.tolerations = tolerations
        self.securityContext = securityContext
        self.imagePullSecrets = imagePullSecrets
        self.priorityClassName = priorityClassName
    }
}

/// A template for pods, as StatefulSets and Deployments carry it.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String

    public init(name: String) { self.name = name }
}
