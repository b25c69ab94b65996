/// `policy/v1 PodDisruptionBudget`: keeps voluntary evictions from taking a Galera cluster
/// below quorum.
public struct PodDisruptionBudget: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec?
    public var status: JSONValue?

    public init(metadata: ObjectMeta, spec: PodDisruptionBudgetSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PodDisruptionBudgetSpec: Codable, Sendable, Hashable {
    public var selector: LabelSelector?
    public var minAvailable: IntOrString?
    public var maxUnavailable: IntOrString?
    public var unhealthyPodEvictionPolicy: String?

    public init(selector: LabelSelector? = nil, minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil) {
        self.selector = selector
        self.minAvailable = minAvailable
        self.maxUnavailable = maxUnavailable
    }
}
