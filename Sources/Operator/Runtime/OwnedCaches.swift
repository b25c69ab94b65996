import KubeAPI
import KubeRuntime
import QiniuAPI

/// The caches a reconcile reads: every QiniuMySQL, and every object type the operator renders,
/// narrowed to what the operator manages (its `managed-by` label).
public struct OwnedCaches: Sendable {
    public let clusters: ObjectCache
    /// Every QiniuMySQLData: people create them, so they carry no label of ours.
    public let data: ObjectCache
    public let owned: [ObjectCache]

    public static let managedSelector = "\(QiniuLabels.managedBy)=qmysql-operator"

    /// The rendered kinds, in one place: adding a kind to the renderer means adding it here;
    /// and the pods, which carry the template's labels (for rollouts and the controller's health).
    public static let ownedTypes: [ResourceType] = [
        Secret.resourceType, ConfigMap.resourceType, Service.resourceType, ServiceAccount.resourceType,
        PodDisruptionBudget.resourceType, StatefulSet.resourceType, Deployment.resourceType, Pod.resourceType,
        PersistentVolumeClaim.resourceType,
    ]

    public init() {
        clusters = ObjectCache(type: QiniuMySQL.resourceType)
        data = ObjectCache(type: QiniuMySQLData.resourceType, owner: DataReconciler.cluster(of:))
        owned = Self.ownedTypes.map {
            ObjectCache(type: $0, labelSelector: Self.managedSelector, owner: { ObjectCache.owner(of: $0, label: QiniuLabels.cluster) })
        }
    }

    public func objects(_ type: ResourceType) -> ObjectCache? {
        owned.first { $0.type.group == type.group && $0.type.plural == type.plural }
    }

    public var all: [ObjectCache] { [clusters, data] + owned }
}
