/// `core/v1 Namespace`.
public struct Namespace: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var status: NamespaceStatus?

    public init(metadata: ObjectMeta) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
    }
}

public struct NamespaceStatus: Codable, Sendable, Hashable {
    /// `Active` or `Terminating`.
    public var phase: String?
}
