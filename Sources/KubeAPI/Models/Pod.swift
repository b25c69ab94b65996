/// `core/v1 Pod`: the operator reads pods (phase, readiness, IPs) and never creates them itself.
public struct Pod: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// True when the `Ready` condition is `True`.
    public var isReady: Bool { status?.isReady ?? false }
}

public struct PodStatus: Codable, Sendable, Hashable {
    /// True when the `Ready` condition is `True`.
    public var isReady: Bool {
        conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }

    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    public var conditions: [PodCondition]?
    public var podIP: String?
    public var podIPs: [PodIP]?
    public var hostIP: String?
    public var startTime: String?
    public var message: String?
    public var reason: String?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?

    public init(phase: String? = nil, conditions: [PodCondition]? = nil, podIP: String? = nil,
                hostIP: String? = nil, startTime: String? = nil, containerStatuses: [ContainerStatus]? = nil) {
        self.phase = phase
        self.conditions = conditions
        self.podIP = podIP
        self.hostIP = hostIP
        self.startTime = startTime
        self.containerStatuses = containerStatuses
    }
}

public struct PodIP: Codable, Sendable, Hashable {
    public var ip: String

    public init(ip: String) { self.ip = ip }
}

/// Pod conditions differ from `metav1.Condition`: they have `lastProbeTime` and no `observedGeneration`.
public struct PodCondition: Codable, Sendable, Hashable {
    /// `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ...
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastProbeTime: String?
    public var lastTransitionTime: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var ready: Bool
    public var restartCount: Int
    public var started: Bool?
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    /// `{"running": {...}}`, `{"waiting": {"reason": ...}}` or `{"terminated": {"exitCode": ...}}`.
    public var state: JSONValue?
    public var lastState: JSONValue?

    public init(name: String, ready: Bool, restartCount: Int, started: Bool? = nil, image: String? = nil, state: JSONValue? = nil) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.started = started
        self.image = image
        self.state = state
    }
}
