import KubeAPI

/// The discovery documents (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>`,
/// `/apis/<group>/<version>`) in the unaggregated JSON form kube serves to plain JSON clients.
enum Discovery {
    /// What `/version` reports. A real minor version, so version checks in clients pass.
    static let version: JSONValue = [
        "major": "1", "minor": "31", "gitVersion": "v1.31.0-qmysql-local", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2024-08-13T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    static func coreVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groupList(_ catalog: ResourceCatalog) -> JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(catalog.groups.map { group($0.name, $0.versions) })]
    }

    static func group(_ name: String, _ versions: [String]) -> JSONValue {
        let entries: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(entries),
                "preferredVersion": entries.first ?? .null]
    }

    static func resourceList(group: String, version: String, _ definitions: [ResourceDefinition]) -> JSONValue {
        var resources: [JSONValue] = []
        for definition in definitions {
            var entry: [String: JSONValue] = [
                "name": .string(definition.plural), "singularName": .string(definition.singular),
                "namespaced": .bool(definition.namespaced), "kind": .string(definition.kind),
                "verbs": .array(definition.verbs.map(JSONValue.string)),
            ]
            if !definition.shortNames.isEmpty { entry["shortNames"] = .array(definition.shortNames.map(JSONValue.string)) }
            if !definition.categories.isEmpty { entry["categories"] = .array(definition.categories.map(JSONValue.string)) }
            resources.append(.object(entry))
            if definition.hasStatusSubresource {
                resources.append(["name": .string("\(definition.plural)/status"), "singularName": "",
                                  "namespaced": .bool(definition.namespaced), "kind": .string(definition.kind),
                                  "verbs": ["get", "patch", "update"]])
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
                "resources": .array(resources)]
    }
}
