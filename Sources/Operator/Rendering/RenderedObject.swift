import KubeAPI

/// One object the operator wants to exist, as the JSON it applies.
public struct RenderedObject: Sendable, Hashable {
    public var type: ResourceType
    public var body: JSONValue

    public init(type: ResourceType, body: JSONValue) {
        self.type = type
        self.body = body
    }

    public var name: String { body[path: ["metadata", "name"]]?.stringValue ?? "" }
    public var namespace: String? { body[path: ["metadata", "namespace"]]?.stringValue }
    /// `Kind/name`, for logs, events and messages.
    public var reference: String { "\(type.kind)/\(name)" }
}
