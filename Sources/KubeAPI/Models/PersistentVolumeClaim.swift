/// `core/v1 PersistentVolumeClaim`: the datadir of each MySQL node, and backup stores.
public struct PersistentVolumeClaim: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public var status: PersistentVolumeClaimStatus?

    public init(metadata: ObjectMeta, spec: PersistentVolumeClaimSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PersistentVolumeClaimSpec: Codable, Sendable, Hashable {
    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
    public var accessModes: [String]?
    public var storageClassName: String?
    public var resources: ResourceRequirements?
    public var volumeName: String?
    /// `Filesystem` (default) or `Block`.
    public var volumeMode: String?
    public var selector: LabelSelector?

    public init(accessModes: [String]? = nil, storageClassName: String? = nil, resources: ResourceRequirements? = nil,
                volumeName: String? = nil, volumeMode: String? = nil) {
        self.accessModes = accessModes
        self.storageClassName = storageClassName
        self.resources = resources
        self.volumeName = volumeName
        self.volumeMode = volumeMode
    }
}

public struct PersistentVolumeClaimStatus: Codable, Sendable, Hashable {
    /// `Pending`, `Bound` or `Lost`.
    public var phase: String?
    public var accessModes: [String]?
    public var capacity: [String: String]?
}

/// A PVC template inside a StatefulSet: a claim without the fields the server fills in.
public struct PersistentVolumeClaimTemplate: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec

    public init(metadata: ObjectMeta, spec: PersistentVolumeClaimSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}
