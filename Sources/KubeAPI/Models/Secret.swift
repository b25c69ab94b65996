import Foundation

/// `core/v1 Secret`. `data` holds bytes (base64 on the wire, which `JSONEncoder`'s default
/// `Data` strategy produces); `stringData` is write-only plain text the server folds into `data`.
public struct Secret: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// `Opaque` unless set; `kubernetes.io/tls`, `kubernetes.io/service-account-token`, ...
    public var type: String?
    public var data: [String: Data]?
    public var stringData: [String: String]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, type: String? = nil, data: [String: Data]? = nil,
                stringData: [String: String]? = nil, immutable: Bool? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
        self.immutable = immutable
    }

    /// The value of `key` as UTF-8 text: from `data`, or from `stringData` when the object was
    /// built locally and not yet sent.
    public func string(forKey key: String) -> String? {
        if let bytes = data?[key] { return String(data: bytes, encoding: .utf8) }
        return stringData?[key]
    }
}
