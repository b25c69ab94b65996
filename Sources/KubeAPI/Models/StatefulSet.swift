/// `apps/v1 StatefulSet`: the MySQL nodes of a cluster, one pod per ordinal.
public struct StatefulSet: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?

    public init(metadata: ObjectMeta, spec: StatefulSetSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

public struct StatefulSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector
    public var template: PodTemplateSpec
    /// The headless Service that gives each pod its stable DNS name.
    public var serviceName: String?
    public var volumeClaimTemplates: [PersistentVolumeClaimTemplate]?
    /// `OrderedReady` (default) or `Parallel`. Galera wants `Parallel` so that a full restart
    /// can start every node and let the controller pick the bootstrap node.
    public var podManagementPolicy: String?
    public var updateStrategy: StatefulSetUpdateStrategy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?
    public var persistentVolumeClaimRetentionPolicy: PersistentVolumeClaimRetentionPolicy?

    public init(replicas: Int? = nil, selector: LabelSelector, template: PodTemplateSpec, serviceName: String? = nil,
                volumeClaimTemplates: [PersistentVolumeClaimTemplate]? = nil, podManagementPolicy: String? = nil,
                updateStrategy: StatefulSetUpdateStrategy? = nil, revisionHistoryLimit: Int? = nil,
                persistentVolumeClaimRetentionPolicy: PersistentVolumeClaimRetentionPolicy? = nil) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
        self.serviceName = serviceName
        self.volumeClaimTemplates = volumeClaimTemplates
        self.podManagementPolicy = podManagementPolicy
        self.updateStrategy = updateStrategy
        self.revisionHistoryLimit = revisionHistoryLimit
        self.persistentVolumeClaimRetentionPolicy = persistentVolumeClaimRetentionPolicy
    }
}

/// What happens to the claims of a StatefulSet's pods when it is deleted or scaled down.
public struct PersistentVolumeClaimRetentionPolicy: Codable, Sendable, Hashable {
    /// `Retain` (default) or `Delete`.
    public var whenDeleted: String?
    public var whenScaled: String?

    public init(whenDeleted: String? = nil, whenScaled: String? = nil) {
        self.whenDeleted = whenDeleted
        self.whenScaled = whenScaled
    }
}

public struct StatefulSetUpdateStrategy: Codable, Sendable, Hashable {
    /// `RollingUpdate` (default) or `OnDelete`.
    public var type: String?
    public var rollingUpdate: RollingUpdateStatefulSetStrategy?

    public init(type: String? = nil, rollingUpdate: RollingUpdateStatefulSetStrategy? = nil) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

public struct RollingUpdateStatefulSetStrategy: Codable, Sendable, Hashable {
    public var partition: Int?
    public var maxUnavailable: IntOrString?

    public init(partition: Int? = nil, maxUnavailable: IntOrString? = nil) {
        self.partition = partition
        self.maxUnavailable = maxUnavailable
    }
}

public struct StatefulSetStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var availableReplicas: Int?
    public var currentRevision: String?
    public var updateRevision: String?
    public var collisionCount: Int?
    public var conditions: [JSONValue]?

    public init(observedGeneration: Int64? = nil, replicas: Int? = nil, readyReplicas: Int? = nil,
                currentReplicas: Int? = nil, updatedReplicas: Int? = nil, availableReplicas: Int? = nil,
                currentRevision: String? = nil, updateRevision: String? = nil) {
        self.observedGeneration = observedGeneration
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.currentReplicas = currentReplicas
        self.updatedReplicas = updatedReplicas
        self.availableReplicas = availableReplicas
        self.currentRevision = currentRevision
        self.updateRevision = updateRevision
    }
}
