/// `core/v1 PodSecurityContext`: who a pod's processes run as, and the group that owns its volumes.
public struct PodSecurityContext: Codable, Sendable, Hashable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    /// The group that owns every volume the kubelet mounts (setgid directories, group-writable).
    public var fsGroup: Int?
    public var supplementalGroups: [Int]?
    public var seccompProfile: SeccompProfile?

    public init(runAsNonRoot: Bool? = nil, runAsUser: Int? = nil, runAsGroup: Int? = nil, fsGroup: Int? = nil,
                supplementalGroups: [Int]? = nil, seccompProfile: SeccompProfile? = nil) {
        self.runAsNonRoot = runAsNonRoot
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.fsGroup = fsGroup
        self.supplementalGroups = supplementalGroups
        self.seccompProfile = seccompProfile
    }
}

/// `core/v1 SecurityContext`: a container's own settings, over its pod's.
public struct SecurityContext: Codable, Sendable, Hashable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var privileged: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public init(runAsNonRoot: Bool? = nil, runAsUser: Int? = nil, runAsGroup: Int? = nil, privileged: Bool? = nil,
                allowPrivilegeEscalation: Bool? = nil, readOnlyRootFilesystem: Bool? = nil,
                capabilities: Capabilities? = nil, seccompProfile: SeccompProfile? = nil) {
        self.runAsNonRoot = runAsNonRoot
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.privileged = privileged
        self.allowPrivilegeEscalation = allowPrivilegeEscalation
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.capabilities = capabilities
        self.seccompProfile = seccompProfile
    }
}

public struct Capabilities: Codable, Sendable, Hashable {
    public var add: [String]?
    public var drop: [String]?

    public init(add: [String]? = nil, drop: [String]? = nil) {
        self.add = add
        self.drop = drop
    }
}

public struct SeccompProfile: Codable, Sendable, Hashable {
    /// `RuntimeDefault`, `Localhost` or `Unconfined`.
    public var type: String
    public var localhostProfile: String?

    public init(type: String, localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }

    public static let runtimeDefault = SeccompProfile(type: "RuntimeDefault")
}
