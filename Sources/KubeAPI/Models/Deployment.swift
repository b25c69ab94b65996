/// `apps/v1 Deployment`: the operator itself and the per-cluster controller.
public struct Deployment: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: DeploymentSpec?
    public var status: DeploymentStatus?

    public init(metadata: ObjectMeta, spec: DeploymentSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

public struct DeploymentSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector
    public var template: PodTemplateSpec
    public var strategy: DeploymentStrategy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?

    public init(replicas: Int? = nil, selector: LabelSelector, template: PodTemplateSpec, strategy: DeploymentStrategy? = nil,
                revisionHistoryLimit: Int? = nil) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
        self.strategy = strategy
        self.revisionHistoryLimit = revisionHistoryLimit
    }
}

public struct DeploymentStrategy: Codable, Sendable, Hashable {
    /// `RollingUpdate` (default) or `Recreate`.
    public var type: String?
    /// `maxSurge` and `maxUnavailable`; not modelled.
    public var rollingUpdate: JSONValue?

    public init(type: String? = nil, rollingUpdate: JSONValue? = nil) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

public struct DeploymentStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var updatedReplicas: Int?
    public var availableReplicas: Int?
    public var unavailableReplicas: Int?
    public var conditions: [JSONValue]?

    public init(observedGeneration: Int64? = nil, replicas: Int? = nil, readyReplicas: Int? = nil,
                updatedReplicas: Int? = nil, availableReplicas: Int? = nil) {
        self.observedGeneration = observedGeneration
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.updatedReplicas = updatedReplicas
        self.availableReplicas = availableReplicas
    }
}
