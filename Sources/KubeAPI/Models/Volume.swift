/// `core/v1 Volume`: exactly one source is set.
public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    public var configMap: ConfigMapVolumeSource?
    public var secret: SecretVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    /// Sources this project does not render (hostPath, projected, ...), kept whole.
    public var hostPath: JSONValue?
    public var projected: JSONValue?
    public var downwardAPI: JSONValue?

    public init(name: String, configMap: ConfigMapVolumeSource? = nil, secret: SecretVolumeSource? = nil,
                emptyDir: EmptyDirVolumeSource? = nil, persistentVolumeClaim: PersistentVolumeClaimVolumeSource? = nil) {
        self.name = name
        self.configMap = configMap
        self.secret = secret
        self.emptyDir = emptyDir
        self.persistentVolumeClaim = persistentVolumeClaim
    }
}

public struct KeyToPath: Codable, Sendable, Hashable {
    public var key: String
    public var path: String
    public var mode: Int?

    public init(key: String, path: String, mode: Int? = nil) {
        self.key = key
        self.path = path
        self.mode = mode
    }
}

public struct ConfigMapVolumeSource: Codable, Sendable, Hashable {
    public var name: String
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?

    public init(name: String, items: [KeyToPath]? = nil, defaultMode: Int? = nil, optional: Bool? = nil) {
        self.name = name
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

public struct SecretVolumeSource: Codable, Sendable, Hashable {
    public var secretName: String
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?

    public init(secretName: String, items: [KeyToPath]? = nil, defaultMode: Int? = nil, optional: Bool? = nil) {
        self.secretName = secretName
        self.items = items
        self.defaultMode = defaultMode
        self.optional = optional
    }
}

public struct EmptyDirVolumeSource: Codable, Sendable, Hashable {
    /// `""` (node disk) or `Memory`.
    public var medium: String?
    public var sizeLimit: String?

    public init(medium: String? = nil, sizeLimit: String? = nil) {
        self.medium = medium
        self.sizeLimit = sizeLimit
    }
}

public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Hashable {
    public var claimName: String
    public var readOnly: Bool?

    public init(claimName: String, readOnly: Bool? = nil) {
        self.claimName = claimName
        self.readOnly = readOnly
    }
}
