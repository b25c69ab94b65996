/// `core/v1 ObjectReference`: names the object an Event is about.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil,
                uid: String? = nil, resourceVersion: String? = nil, fieldPath: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }

    /// A reference to `object`, taken from its type and metadata.
    public init<Object: KubeResource>(to object: Object) {
        self.init(apiVersion: Object.resourceType.apiVersion, kind: Object.resourceType.kind,
                  name: object.metadata.name, namespace: object.metadata.namespace,
                  uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion)
    }
}
