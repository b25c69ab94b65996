import KubeAPI

/// A structural OpenAPI v3 schema, as a CustomResourceDefinition version carries it
/// (`spec.versions[].schema.openAPIV3Schema`). Only the keywords kube-apiserver enforces for
/// custom resources are modelled; the validator, the defaulter and the pruner read it.
package final class OpenAPISchema: Sendable {
    package let type: String?
    package let format: String?
    package let properties: [String: OpenAPISchema]
    package let required: [String]
    package let items: OpenAPISchema?
    /// `additionalProperties` as a schema (a map with values of one shape).
    package let additionalProperties: OpenAPISchema?
    package let enumValues: [JSONValue]?
    package let minimum: Double?
    package let maximum: Double?
    package let exclusiveMinimum: Bool
    package let exclusiveMaximum: Bool
    package let minLength: Int?
    package let maxLength: Int?
    package let pattern: String?
    package let minItems: Int?
    package let maxItems: Int?
    package let uniqueItems: Bool
    package let minProperties: Int?
    package let maxProperties: Int?
    package let multipleOf: Double?
    package let nullable: Bool
    package let defaultValue: JSONValue?
    /// `x-kubernetes-preserve-unknown-fields`: keep fields the schema does not name.
    package let preserveUnknownFields: Bool
    /// `x-kubernetes-int-or-string`: an integer or a string.
    package let intOrString: Bool
    /// `x-kubernetes-embedded-resource`: an object with its own apiVersion, kind and metadata.
    package let embeddedResource: Bool
    /// `x-kubernetes-list-type` (`atomic`, `set`, `map`) and `x-kubernetes-list-map-keys`.
    package let listType: String?
    package let listMapKeys: [String]
    package let allOf: [OpenAPISchema]
    package let anyOf: [OpenAPISchema]
    package let oneOf: [OpenAPISchema]
    package let not: OpenAPISchema?

    package struct ParseError: Error, Sendable, CustomStringConvertible {
        package var field: String
        package var problem: String
        package var description: String { "\(field): \(problem)" }
    }

    /// Reads a schema; `field` is where it sits in the CRD, for error messages.
    package init(json: JSONValue, field: String = "openAPIV3Schema") throws(ParseError) {
        guard let members = json.objectValue else {
            throw ParseError(field: field, problem: "must be an object, not \(json.typeName)")
        }
        func string(_ key: String) throws(ParseError) -> String? {
            guard let value = members[key] else { return nil }
            guard let text = value.stringValue else { throw ParseError(field: "\(field).\(key)", problem: "must be a string") }
            return text
        }
        func number(_ key: String) throws(ParseError) -> Double? {
            guard let value = members[key] else { return nil }
            switch value {
            case .int(let int): return Double(int)
            case .double(let double): return double
            default: throw ParseError(field: "\(field).\(key)", problem: "must be a number")
            }
        }
        func integer(_ key: String) throws(ParseError) -> Int? {
            guard let value = members[key] else { return nil }
            guard let int = value.intValue, int >= 0 else {
                throw ParseError(field: "\(field).\(key)", problem: "must be a non-negative integer")
            }
            return Int(int)
        }
        func bool(_ key: String) throws(ParseError) -> Bool {
            guard let value = members[key] else { return false }
            guard let flag = value.boolValue else { throw ParseError(field: "\(field).\(key)", problem: "must be a boolean") }
            return flag
        }
        func schemas(_ key: String) throws(ParseError) -> [OpenAPISchema] {
            guard let value = members[key] else { return [] }
            guard let list = value.arrayValue else { throw ParseError(field: "\(field).\(key)", problem: "must be a list") }
            var result: [OpenAPISchema] = []
            for (index, item) in list.enumerated() {
                result.append(try OpenAPISchema(json: item, field: "\(field).\(key)[\(index)]"))
            }
            return result
        }

        type = try string("type")
        if let type, !["object", "array", "string", "integer", "number", "boolean"].contains(type) {
            throw ParseError(field: "\(field).type", problem: "Unsupported value: \(GoFormat.quote(type))")
        }
        format = try string("format")
        var properties: [String: OpenAPISchema] = [:]
        if let value = members["properties"] {
            guard let map = value.objectValue else { throw ParseError(field: "\(field).properties", problem: "must be an object") }
            for (name, child) in map {
                properties[name] = try OpenAPISchema(json: child, field: "\(field).properties[\(name)]")
            }
        }
        self.properties = properties
        if let value = members["required"] {
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw ParseError(field: "\(field).required", problem: "must be a list of strings")
            }
            required = list.compactMap(\.stringValue)
        } else {
            required = []
        }
        items = try members["items"].map { (value) throws(ParseError) in try OpenAPISchema(json: value, field: "\(field).items") }
        if let value = members["additionalProperties"], value.objectValue != nil {
            additionalProperties = try OpenAPISchema(json: value, field: "\(field).additionalProperties")
        } else {
            additionalProperties = nil
        }
        enumValues = members["enum"]?.arrayValue
        minimum = try number("minimum")
        maximum = try number("maximum")
        exclusiveMinimum = try bool("exclusiveMinimum")
        exclusiveMaximum = try bool("exclusiveMaximum")
        minLength = try integer("minLength")
        maxLength = try integer("maxLength")
        pattern = try string("pattern")
        minItems = try integer("minItems")
        maxItems = try integer("maxItems")
        uniqueItems = try bool("uniqueItems")
        minProperties = try integer("minProperties")
        maxProperties = try integer("maxProperties")
        multipleOf = try number("multipleOf")
        nullable = try bool("nullable")
        defaultValue = members["default"]
        preserveUnknownFields = try bool("x-kubernetes-preserve-unknown-fields")
        intOrString = try bool("x-kubernetes-int-or-string")
        embeddedResource = try bool("x-kubernetes-embedded-resource")
        listType = try string("x-kubernetes-list-type")
        listMapKeys = members["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        allOf = try schemas("allOf")
        anyOf = try schemas("anyOf")
        oneOf = try schemas("oneOf")
        not = try members["not"].map { (value) throws(ParseError) in try OpenAPISchema(json: value, field: "\(field).not") }
    }

    /// The types a value may have: `integer,string` for int-or-string, else the declared type.
    package var allowedTypes: [String] {
        if intOrString { return ["integer", "string"] }
        return type.map { [$0] } ?? []
    }

    /// Whether this node keeps fields it does not declare.
    package var keepsUnknownFields: Bool { preserveUnknownFields || additionalProperties != nil }
}

package extension JSONValue {
    /// JSON equality where `1` and `1.0` are the same number (Go decodes both into float64 for comparison).
    func semanticallyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.semanticallyEquals($1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map(value.semanticallyEquals) ?? false }
        default: return self == other
        }
    }

    var numberValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
