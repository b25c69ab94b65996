/// `core/v1 Container`: what a MySQL pod runs (the agent as PID 1, init containers that copy
/// the agent binary in).
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    /// `Always`, `IfNotPresent` or `Never`.
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var env: [EnvVar]?
    public var envFrom: JSONValue?
    public var ports: [ContainerPort]?
    public var volumeMounts: [VolumeMount]?
    public var resources: ResourceRequirements?
    public var readinessProbe: Probe?
    public var livenessProbe: Probe?
    public var startupProbe: Probe?
    public var securityContext: SecurityContext?
    public var lifecycle: JSONValue?
    public var terminationMessagePolicy: String?

    public init(name: String, image: String? = nil, imagePullPolicy: String? = nil, command: [String]? = nil,
                args: [String]? = nil, workingDir: String? = nil, env: [EnvVar]? = nil, ports: [ContainerPort]? = nil,
                volumeMounts: [VolumeMount]? = nil, resources: ResourceRequirements? = nil,
                readinessProbe: Probe? = nil, livenessProbe: Probe? = nil, startupProbe: Probe? = nil,
                securityContext: SecurityContext? = nil) {
        self.name = name
        self.image = image
        self.imagePullPolicy = imagePullPolicy
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.env = env
        self.ports = ports
        self.volumeMounts = volumeMounts
        self.resources = resources
        self.readinessProbe = readinessProbe
        self.livenessProbe = livenessProbe
        self.startupProbe = startupProbe
        self.securityContext = securityContext
    }
}

public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?

    public init(name: String? = nil, containerPort: Int, protocol: String? = nil) {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

/// An environment variable: a literal `value`, or `valueFrom` a Secret key (passwords) or a
/// field of the pod (its name and IP).
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?

    public init(name: String, value: String? = nil, valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }

    /// `name` read from key `key` of Secret `secret`.
    public static func fromSecret(_ name: String, secret: String, key: String, optional: Bool? = nil) -> EnvVar {
        EnvVar(name: name, valueFrom: EnvVarSource(secretKeyRef: KeySelector(name: secret, key: key, optional: optional)))
    }

    /// `name` read from the pod's own `fieldPath` (`metadata.name`, `status.podIP`, ...).
    public static func fromField(_ name: String, fieldPath: String) -> EnvVar {
        EnvVar(name: name, valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: fieldPath)))
    }
}

public struct EnvVarSource: Codable, Sendable, Hashable {
    public var secretKeyRef: KeySelector?
    public var configMapKeyRef: KeySelector?
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: JSONValue?

    public init(secretKeyRef: KeySelector? = nil, configMapKeyRef: KeySelector? = nil, fieldRef: ObjectFieldSelector? = nil) {
        self.secretKeyRef = secretKeyRef
        self.configMapKeyRef = configMapKeyRef
        self.fieldRef = fieldRef
    }
}

/// `SecretKeySelector` and `ConfigMapKeySelector` have the same shape.
public struct KeySelector: Codable, Sendable, Hashable {
    public var name: String
    public var key: String
    public var optional: Bool?

    public init(name: String, key: String, optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

public struct ObjectFieldSelector: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var fieldPath: String

    public init(apiVersion: String? = nil, fieldPath: String) {
        self.apiVersion = apiVersion
        self.fieldPath = fieldPath
    }
}

public struct VolumeMount: Codable, Sendable, Hashable {
    public var name: String
    public var mountPath: String
    public var subPath: String?
    public var readOnly: Bool?

    public init(name: String, mountPath: String, subPath: String? = nil, readOnly: Bool? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.subPath = subPath
        self.readOnly = readOnly
    }
}

/// Quantities stay strings (`"500m"`, `"2Gi"`): the client never does arithmetic on them.
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: String]?
    public var limits: [String: String]?

    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}
