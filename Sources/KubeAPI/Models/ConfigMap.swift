import Foundation

/// `core/v1 ConfigMap`.
public struct ConfigMap: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var binaryData: [String: Data]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, data: [String: String]? = nil, binaryData: [String: Data]? = nil, immutable: Bool? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.data = data
        self.binaryData = binaryData
        self.immutable = immutable
    }
}
