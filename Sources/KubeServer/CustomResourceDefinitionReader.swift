import KubeAPI
import KubeSchema

/// Reads a CustomResourceDefinition (apiextensions.k8s.io/v1, as JSON) into the
/// `ResourceDefinition` the server serves, and reports what kube's CRD validation would reject,
/// with kube's field paths and wording. Pure.
enum CustomResourceDefinitionReader {
    static func read(_ crd: JSONValue) -> Result<ResourceDefinition, FieldErrors> {
        var errors: [FieldError] = []
        let spec = crd["spec"] ?? .null
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .null
        let plural = names["plural"]?.stringValue ?? ""
        let kind = names["kind"]?.stringValue ?? ""
        let singular = names["singular"]?.stringValue ?? kind.lowercased()
        let listKind = names["listKind"]?.stringValue ?? (kind.isEmpty ? "" : kind + "List")
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""

        if group.isEmpty {
            errors.append(.required("spec.group"))
        } else if !group.contains(".") {
            errors.append(.invalid("spec.group", .string(group), "should be a domain with at least one dot"))
        } else {
            for problem in NameValidation.dns1123Subdomain(group) {
                errors.append(.invalid("spec.group", .string(group), problem))
            }
        }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if kind.isEmpty { errors.append(.required("spec.names.kind")) }
        for (field, value) in [("spec.names.plural", plural), ("spec.names.singular", singular)] where !value.isEmpty {
            for problem in NameValidation.dns1035Label(value) { errors.append(.invalid(field, .string(value), problem)) }
        }
        if !kind.isEmpty {
            for problem in NameValidation.dns1035Label(kind.lowercased()) {
                errors.append(.invalid("spec.names.kind", .string(kind), problem))
            }
        }
        let shortNames = names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for (index, shortName) in shortNames.enumerated() {
            for problem in NameValidation.dns1035Label(shortName) {
                errors.append(.invalid("spec.names.shortNames[\(index)]", .string(shortName), problem))
            }
        }
        if !plural.isEmpty, !group.isEmpty, name != "\(plural).\(group)" {
            errors.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
        }

        let scope = spec["scope"]?.stringValue ?? ""
        if scope.isEmpty {
            errors.append(.required("spec.scope"))
        } else if scope != "Namespaced", scope != "Cluster" {
            errors.append(.notSupported("spec.scope", .string(scope), ["Cluster", "Namespaced"]))
        }

        var schemas: [String: OpenAPISchema] = [:]
        var served: [String] = []
        var storageCount = 0
        var hasStatus = false
        var selectable: [String: [String]] = [:]
        var columns: [String: [PrinterColumn]] = [:]
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty {
            errors.append(.required("spec.versions", "must have exactly one version marked as storage version"))
        }
        for (index, version) in versions.enumerated() {
            let field = "spec.versions[\(index)]"
            let versionName = version["name"]?.stringValue ?? ""
            if versionName.isEmpty {
                errors.append(.required("\(field).name"))
            } else {
                for problem in NameValidation.dns1035Label(versionName) {
                    errors.append(.invalid("\(field).name", .string(versionName), problem))
                }
            }
            if version["storage"]?.boolValue == true { storageCount += 1 }
            if version["served"]?.boolValue == true { served.append(versionName) }
            if version[path: ["subresources", "status"]] != nil { hasStatus = true }
            columns[versionName] = (version["additionalPrinterColumns"]?.arrayValue ?? []).compactMap(PrinterColumn.init(json:))
            for (selectorIndex, selectableField) in (version["selectableFields"]?.arrayValue ?? []).enumerated() {
                guard let jsonPath = selectableField["jsonPath"]?.stringValue, jsonPath.hasPrefix(".") else {
                    errors.append(.required("\(field).selectableFields[\(selectorIndex)].jsonPath"))
                    continue
                }
                let trimmed = String(jsonPath.dropFirst())
                selectable[trimmed] = trimmed.split(separator: ".").map(String.init)
            }
            guard let schemaJSON = version[path: ["schema", "openAPIV3Schema"]] else {
                errors.append(.required("\(field).schema.openAPIV3Schema", "schemas are required"))
                continue
            }
            let schemaField = "\(field).schema.openAPIV3Schema"
            do {
                let schema = try OpenAPISchema(json: schemaJSON, field: schemaField)
                if schema.type == nil {
                    errors.append(.required("\(schemaField).type", "must not be empty at the root"))
                } else if schema.type != "object" {
                    errors.append(.invalid("\(schemaField).type", .string(schema.type!), "must be object at the root"))
                }
                errors += structuralProblems(schema, field: schemaField, isRoot: true)
                schemas[versionName] = schema
            } catch {
                errors.append(.invalid(error.field, "", error.problem))
            }
        }
        if !versions.isEmpty, storageCount != 1 {
            errors.append(.invalid("spec.versions", verbatim: ("[]apiextensions.CustomResourceDefinitionVersion{...}"),
                                   "must have exactly one version marked as storage version"))
        }
        guard errors.isEmpty else { return .failure(FieldErrors(errors: errors)) }

        return .success(ResourceDefinition(
            group: group, versions: served.sorted(by: VersionPriority.isHigher), plural: plural, singular: singular,
            kind: kind, listKind: listKind, namespaced: scope == "Namespaced", shortNames: shortNames,
            categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            hasStatusSubresource: hasStatus, usesGeneration: true, allowUnconditionalUpdate: false,
            returnsDeletedObject: false, nameRule: .subdomain, extraSelectableFields: selectable,
            schemas: schemas, printerColumns: columns, isCustom: true))
    }

    /// The names a CRD's `status.acceptedNames` reports once accepted.
    static func acceptedNames(_ definition: ResourceDefinition) -> JSONValue {
        var names: [String: JSONValue] = [
            "plural": .string(definition.plural), "singular": .string(definition.singular),
            "kind": .string(definition.kind), "listKind": .string(definition.listKind),
        ]
        if !definition.shortNames.isEmpty { names["shortNames"] = .array(definition.shortNames.map(JSONValue.string)) }
        if !definition.categories.isEmpty { names["categories"] = .array(definition.categories.map(JSONValue.string)) }
        return .object(names)
    }

    /// The structural-schema rule kube enforces on CRDs: every specified field says its type.
    private static func structuralProblems(_ schema: OpenAPISchema, field: String, isRoot: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        for (name, property) in schema.properties.sorted(by: { $0.key < $1.key }) {
            let childField = "\(field).properties[\(name)]"
            if isRoot, name == "metadata" { continue }
            if property.type == nil, !property.intOrString, !property.preserveUnknownFields {
                errors.append(.required("\(childField).type", "must not be empty for specified object fields"))
            }
            errors += structuralProblems(property, field: childField, isRoot: false)
        }
        if let items = schema.items {
            if items.type == nil, !items.intOrString, !items.preserveUnknownFields {
                errors.append(.required("\(field).items.type", "must not be empty for specified array items"))
            }
            errors += structuralProblems(items, field: "\(field).items", isRoot: false)
        }
        if schema.type == "array", schema.items == nil {
            errors.append(.required("\(field).items", "must be specified"))
        }
        if let additional = schema.additionalProperties {
            errors += structuralProblems(additional, field: "\(field).additionalProperties", isRoot: false)
        }
        return errors
    }
}

/// A list of field errors as one `Error`.
struct FieldErrors: Error, Sendable {
    var errors: [FieldError]
}

/// Kube's ordering of API versions: GA before beta before alpha, higher numbers first
/// (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1` > anything else, alphabetically).
enum VersionPriority {
    static func isHigher(_ a: String, _ b: String) -> Bool {
        let ka = key(a), kb = key(b)
        if ka.stage != kb.stage { return ka.stage > kb.stage }
        if ka.major != kb.major { return ka.major > kb.major }
        if ka.minor != kb.minor { return ka.minor > kb.minor }
        return a < b
    }

    private static func key(_ version: String) -> (stage: Int, major: Int, minor: Int) {
        guard version.hasPrefix("v") else { return (0, 0, 0) }
        let rest = version.dropFirst()
        let digits = rest.prefix(while: \.isNumber)
        guard let major = Int(digits) else { return (0, 0, 0) }
        let suffix = rest.dropFirst(digits.count)
        if suffix.isEmpty { return (3, major, 0) }
        for (stage, word) in [(2, "beta"), (1, "alpha")] where suffix.hasPrefix(word) {
            if let minor = Int(suffix.dropFirst(word.count)) { return (stage, major, minor) }
        }
        return (0, 0, 0)
    }
}
