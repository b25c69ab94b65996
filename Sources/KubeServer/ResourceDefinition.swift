import KubeAPI
import KubeSchema

/// Everything the server needs to know to serve one resource: naming, scope, which verbs and
/// subresources exist, and the strategy choices kube makes per resource (generation, status
/// subresource, unconditional updates, what DELETE returns, name rules, selectable fields).
/// Built-in resources come from `BuiltinResources`; custom ones from their CRD.
struct ResourceDefinition: Sendable {
    var group: String
    /// Served versions, preferred first.
    var versions: [String]
    var plural: String
    var singular: String
    var kind: String
    var listKind: String
    var namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    var verbs: [String] = ResourceDefinition.allVerbs
    /// Subresources served at `<name>/<subresource>`: only `status` is implemented.
    var hasStatusSubresource = false
    /// Whether `metadata.generation` is maintained (starts at 1, bumps on spec changes).
    var usesGeneration = false
    /// Whether PUT without `metadata.resourceVersion` is allowed (false for custom resources).
    var allowUnconditionalUpdate = true
    /// Whether DELETE answers with the object (pods, services, ...) or a `Status`.
    var returnsDeletedObject = false
    var nameRule: NameValidation.Rule = .subdomain
    /// Field selectors besides `metadata.name` and `metadata.namespace`: selector name -> JSON path.
    var extraSelectableFields: [String: [String]] = [:]
    /// What `status` a new object gets when the status subresource resets it (built-ins).
    var initialStatus: JSONValue?
    /// Per served version, for custom resources.
    var schemas: [String: OpenAPISchema] = [:]
    /// Per served version, a custom resource's `additionalPrinterColumns` (the Table kubectl prints).
    var printerColumns: [String: [PrinterColumn]] = [:]
    var isCustom = false
    /// Strategic merge patch: accepted for built-in types only.
    var acceptsStrategicMergePatch: Bool { !isCustom }

    static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    var groupResource: GroupResource { GroupResource(group: group, resource: plural) }

    func apiVersion(_ version: String) -> String { group.isEmpty ? version : "\(group)/\(version)" }

    func resourceType(version: String) -> ResourceType {
        ResourceType(group: group, version: version, plural: plural, kind: kind, namespaced: namespaced)
    }

    /// The field paths a field selector may use, with where to read them.
    var selectableFields: [String: [String]] {
        var fields = extraSelectableFields
        fields["metadata.name"] = ["metadata", "name"]
        fields["metadata.namespace"] = ["metadata", "namespace"]
        return fields
    }

    /// The 400 message for a field selector this resource does not support, worded as kube does.
    func unsupportedFieldMessage(_ field: String) -> String {
        if isCustom {
            let known = selectableFields.keys.sorted().map(GoFormat.quote).joined(separator: ", ")
            return "\(GoFormat.quote(field)) is not a known field selector: only \(known)"
        }
        return "field label not supported: \(field)"
    }
}
