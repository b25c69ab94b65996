import KubeAPI

/// The resources being served right now: the built-in ones, plus one per established
/// CustomResourceDefinition. Lookups route requests; the listings feed discovery.
struct ResourceCatalog: Sendable {
    private var definitions: [GroupResource: ResourceDefinition] = [:]

    init() {
        for definition in BuiltinResources.all {
            definitions[definition.groupResource] = definition
        }
    }

    func definition(_ resource: GroupResource) -> ResourceDefinition? { definitions[resource] }

    /// The definition serving `resource` at `version`, if that version is served.
    func definition(group: String, version: String, resource: String) -> ResourceDefinition? {
        guard let definition = definitions[GroupResource(group: group, resource: resource)],
              definition.versions.contains(version) else { return nil }
        return definition
    }

    /// Starts serving (or updates) a custom resource.
    mutating func serve(_ definition: ResourceDefinition) {
        definitions[definition.groupResource] = definition
    }

    mutating func stopServing(_ resource: GroupResource) {
        guard definitions[resource]?.isCustom == true else { return }
        definitions[resource] = nil
    }

    var customDefinitions: [ResourceDefinition] { definitions.values.filter(\.isCustom) }

    /// Groups for `/apis`, built-in ones first in kube's order, then custom groups by name.
    /// Each with its versions, preferred first.
    var groups: [(name: String, versions: [String])] {
        var byGroup: [String: [String]] = [:]
        for definition in definitions.values where !definition.group.isEmpty {
            for version in definition.versions where !(byGroup[definition.group]?.contains(version) ?? false) {
                byGroup[definition.group, default: []].append(version)
            }
        }
        let builtin = BuiltinResources.groupOrder.filter { byGroup[$0] != nil }
        let custom = byGroup.keys.filter { !BuiltinResources.groupOrder.contains($0) }.sorted()
        return (builtin + custom).map { (name: $0, versions: byGroup[$0]!.sorted(by: VersionPriority.isHigher)) }
    }

    /// The resources served in one group version, by name; nil when the group version is not served.
    func resources(group: String, version: String) -> [ResourceDefinition]? {
        let served = definitions.values.filter { $0.group == group && $0.versions.contains(version) }
        return served.isEmpty ? nil : served.sorted { $0.plural < $1.plural }
    }
}
