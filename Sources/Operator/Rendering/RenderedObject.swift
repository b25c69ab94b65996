import KubeAPI

/// One object the operator wants to exist, as the JSON it applies. The renderers build typed
/// objects (`KubeAPI`'s models); this is their wire form, which the caches, the comparison with
/// the live object and the apply work on.
public struct RenderedObject: Sendable, Hashable {
    public var type: ResourceType
    public var body: JSONValue

    public init(type: ResourceType, body: JSONValue) {
        self.type = type
        self.body = body
    }

    /// A typed object's wire form. The models encode nothing but strings, numbers, booleans and
    /// nested values, so encoding cannot fail; a model that ever could is a programming error.
    public init<Object: KubeResource>(_ object: Object) {
        do {
            self.init(type: Object.resourceType, body: try JSONValue(encoding: object))
        } catch {
            preconditionFailure("\(Object.resourceType.kind) \(object.metadata.name ?? "") cannot be encoded: \(error)")
        }
    }

    public var name: String { body[path: ["metadata", "name"]]?.stringValue ?? "" }
    public var namespace: String? { body[path: ["metadata", "namespace"]]?.stringValue }
    /// `Kind/name`, for logs, events and messages.
    public var reference: String { "\(type.kind)/\(name)" }
}
