import KubeAPI

/// The custom-resource validation this server performs on create and update, offered to
/// clients so that they can check an object before sending it and get the very same
/// `Invalid` Status (message and causes) the server would return. The CLI uses it for
/// `kubectl qmysql create`: one validator, one set of messages.
public enum CustomResourceAdmission {
    public struct SchemaError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Prunes unknown fields, applies defaults and validates `object` against the schema of the
    /// storage version of `crd` (a CustomResourceDefinition as JSON). Returns the object as the
    /// server would store it, or throws the `Status` (reason `Invalid`, code 422) it would answer.
    public static func admit(_ object: JSONValue, crd: JSONValue) throws -> JSONValue {
        let versions = crd[path: ["spec", "versions"]]?.arrayValue ?? []
        guard let version = versions.first(where: { $0["storage"] == true }) ?? versions.first,
              let schemaJSON = version[path: ["schema", "openAPIV3Schema"]] else {
            throw SchemaError(description: "the CustomResourceDefinition has no openAPIV3Schema")
        }
        let schema: OpenAPISchema
        do {
            schema = try OpenAPISchema(json: schemaJSON)
        } catch {
            throw SchemaError(description: "the CustomResourceDefinition's schema is not valid: \(error)")
        }
        let admitted = SchemaDefaulter.applyDefaults(SchemaPruner.prune(object, schema: schema), schema: schema)
        let errors = SchemaValidator.validateObject(admitted, schema: schema)
        guard errors.isEmpty else {
            throw Status.invalid(
                kind: crd[path: ["spec", "names", "kind"]]?.stringValue ?? "",
                group: crd[path: ["spec", "group"]]?.stringValue ?? "",
                name: object[path: ["metadata", "name"]]?.stringValue ?? "", errors)
        }
        return admitted
    }
}
