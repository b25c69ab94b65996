/// `core/v1 Event`: what the operator and controllers tell people ("ManualInterventionRequired:
/// node demo-2 ...") so that `kubectl describe` and `kubectl get events` show it.
public struct Event: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var count: Int?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var eventTime: String?
    public var source: EventSource?
    public var action: String?
    public var reportingComponent: String?
    public var reportingInstance: String?

    public init(metadata: ObjectMeta, involvedObject: ObjectReference, reason: String? = nil, message: String? = nil,
                type: String? = nil, count: Int? = nil, firstTimestamp: String? = nil, lastTimestamp: String? = nil,
                source: EventSource? = nil, action: String? = nil, reportingComponent: String? = nil,
                reportingInstance: String? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.source = source
        self.action = action
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }
}

public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?

    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}
