/// `apiextensions.k8s.io/v1 CustomResourceDefinition`: how `install` and the operator
/// register QiniuMySQL and QiniuMySQLData.
public struct CustomResourceDefinition: KubeResource, Hashable {
    public static let resourceType = ResourceType(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CustomResourceDefinitionSpec
    public var status: CustomResourceDefinitionStatus?

    public init(metadata: ObjectMeta, spec: CustomResourceDefinitionSpec) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// Where the custom resource of `version` (the storage version when nil) is served.
    public func servedResourceType(version: String? = nil) -> ResourceType? {
        guard let entry = spec.versions.first(where: { version == nil ? $0.storage : $0.name == version }) else { return nil }
        return ResourceType(group: spec.group, version: entry.name, plural: spec.names.plural,
                            kind: spec.names.kind, namespaced: spec.scope == "Namespaced")
    }

    /// True once the server accepted the names and serves the resource (`Established=True`).
    public var isEstablished: Bool {
        status?.conditions?.contains { $0.type == "Established" && $0.status == "True" } ?? false
    }
}

public struct CustomResourceDefinitionSpec: Codable, Sendable, Hashable {
    public var group: String
    public var names: CustomResourceDefinitionNames
    /// `Namespaced` or `Cluster`.
    public var scope: String
    public var versions: [CustomResourceDefinitionVersion]
    public var conversion: JSONValue?
    public var preserveUnknownFields: Bool?

    public init(group: String, names: CustomResourceDefinitionNames, scope: String, versions: [CustomResourceDefinitionVersion]) {
        self.group = group
        self.names = names
        self.scope = scope
        self.versions = versions
    }
}

public struct CustomResourceDefinitionNames: Codable, Sendable, Hashable {
    public var plural: String
    public var singular: String?
    public var kind: String
    public var listKind: String?
    public var shortNames: [String]?
    public var categories: [String]?

    public init(plural: String, singular: String? = nil, kind: String, listKind: String? = nil,
                shortNames: [String]? = nil, categories: [String]? = nil) {
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.listKind = listKind
        self.shortNames = shortNames
        self.categories = categories
    }
}

public struct CustomResourceDefinitionVersion: Codable, Sendable, Hashable {
    public var name: String
    public var served: Bool
    public var storage: Bool
    public var deprecated: Bool?
    public var deprecationWarning: String?
    public var schema: CustomResourceValidation?
    public var subresources: CustomResourceSubresources?
    public var additionalPrinterColumns: [CustomResourceColumnDefinition]?

    public init(name: String, served: Bool = true, storage: Bool, schema: CustomResourceValidation? = nil,
                subresources: CustomResourceSubresources? = nil,
                additionalPrinterColumns: [CustomResourceColumnDefinition]? = nil) {
        self.name = name
        self.served = served
        self.storage = storage
        self.schema = schema
        self.subresources = subresources
        self.additionalPrinterColumns = additionalPrinterColumns
    }
}

public struct CustomResourceValidation: Codable, Sendable, Hashable {
    /// The structural schema, kept as JSON: it is written by hand in QiniuAPI and interpreted
    /// by the server, never by this client.
    public var openAPIV3Schema: JSONValue?

    public init(openAPIV3Schema: JSONValue?) { self.openAPIV3Schema = openAPIV3Schema }
}

public struct CustomResourceSubresources: Codable, Sendable, Hashable {
    /// `{}` enables the `/status` subresource.
    public var status: JSONValue?
    /// `{specReplicasPath, statusReplicasPath, labelSelectorPath}` enables `/scale`.
    public var scale: JSONValue?

    public init(status: JSONValue? = nil, scale: JSONValue? = nil) {
        self.status = status
        self.scale = scale
    }

    /// Only the status subresource, as both of our CRDs use.
    public static let statusOnly = CustomResourceSubresources(status: .object([:]))
}

public struct CustomResourceColumnDefinition: Codable, Sendable, Hashable {
    public var name: String
    /// `string`, `integer`, `number`, `boolean` or `date`.
    public var type: String
    public var jsonPath: String
    public var description: String?
    public var format: String?
    public var priority: Int?

    public init(name: String, type: String, jsonPath: String, description: String? = nil, format: String? = nil, priority: Int? = nil) {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.description = description
        self.format = format
        self.priority = priority
    }
}

public struct CustomResourceDefinitionStatus: Codable, Sendable, Hashable {
    /// `Established`, `NamesAccepted`, `Terminating`, ...
    public var conditions: [Condition]?
    public var acceptedNames: CustomResourceDefinitionNames?
    public var storedVersions: [String]?

    public init(conditions: [Condition]? = nil, acceptedNames: CustomResourceDefinitionNames? = nil, storedVersions: [String]? = nil) {
        self.conditions = conditions
        self.acceptedNames = acceptedNames
        self.storedVersions = storedVersions
    }
}
