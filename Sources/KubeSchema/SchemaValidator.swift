import Foundation
import KubeAPI

/// Validates a custom resource against its structural schema the way kube-apiserver does
/// (kube-openapi's validator, with its errors converted to field errors as in
/// apiextensions-apiserver), so messages and `details.causes` match a real cluster's.
///
/// Pure: a value and a schema in, field errors out. Run it after pruning and defaulting.
package enum SchemaValidator {
    /// Validates a whole object; `metadata` is left to the ObjectMeta rules, as kube does.
    package static func validateObject(_ object: JSONValue, schema: OpenAPISchema) -> [FieldError] {
        guard case .object(var members) = object else {
            return validate(object, schema: schema, path: "")
        }
        members["metadata"] = nil
        return validate(.object(members), schema: schema, path: "", skipping: ["metadata"])
    }

    /// Validates one value at `path` (a kube field path like `spec.nodes[0].name`; "" at the root).
    package static func validate(_ value: JSONValue, schema: OpenAPISchema, path: String,
                         skipping: Set<String> = []) -> [FieldError] {
        var errors: [FieldError] = []
        let label = path

        if value.isNull {
            let types = schema.allowedTypes
            if !schema.nullable, !types.isEmpty {
                errors.append(.typeInvalid(path, "null",
                                           "\(label) in body must be of type \(types.joined(separator: ",")): \"null\""))
            }
            return errors
        }

        // 1. type
        let types = schema.allowedTypes
        if !types.isEmpty {
            let actual = value.typeName
            let ok = types.contains(actual)
                || (actual == "number" && value.intValue != nil && types.contains("integer"))
                || (actual == "integer" && types.contains("number"))
            if !ok {
                errors.append(.typeInvalid(path, .string(actual),
                                           "\(label) in body must be of type \(types.joined(separator: ",")): \"\(actual)\""))
            }
        }

        // 2. allOf / anyOf / oneOf / not
        for sub in schema.allOf {
            errors += validate(value, schema: sub, path: path)
        }
        if !schema.anyOf.isEmpty, !schema.anyOf.contains(where: { validate(value, schema: $0, path: path).isEmpty }) {
            errors.append(.invalid(path, "", "\(label) in body must validate at least one schema (anyOf)"))
        }
        if !schema.oneOf.isEmpty {
            let passing = schema.oneOf.filter { validate(value, schema: $0, path: path).isEmpty }.count
            if passing != 1 {
                errors.append(.invalid(path, "", "\(label) in body must validate one and only one schema (oneOf)"))
            }
        }
        if let not = schema.not, validate(value, schema: not, path: path).isEmpty {
            errors.append(.invalid(path, "", "\(label) in body must not validate the schema (not)"))
        }

        // 3. string
        if case .string(let text) = value {
            let length = text.unicodeScalars.count  // runes, as Go counts them
            if let maxLength = schema.maxLength, length > maxLength {
                errors.append(.tooLong(path, maxLength: maxLength))
            }
            if let minLength = schema.minLength, length < minLength {
                errors.append(.invalid(path, value, "\(label) in body should be at least \(minLength) chars long"))
            }
            if let pattern = schema.pattern, !matches(text, pattern: pattern) {
                errors.append(.invalid(path, value, "\(label) in body should match '\(pattern)'"))
            }
        }

        // 4. number
        if let number = value.numberValue {
            if let multipleOf = schema.multipleOf, multipleOf != 0 {
                let quotient = number / multipleOf
                if quotient.rounded() != quotient {
                    errors.append(.invalid(path, value, "\(label) in body should be a multiple of \(GoFormat.number(multipleOf))"))
                }
            }
            if let maximum = schema.maximum {
                if schema.exclusiveMaximum, number >= maximum {
                    errors.append(.invalid(path, value, "\(label) in body should be less than \(GoFormat.number(maximum))"))
                } else if !schema.exclusiveMaximum, number > maximum {
                    errors.append(.invalid(path, value, "\(label) in body should be less than or equal to \(GoFormat.number(maximum))"))
                }
            }
            if let minimum = schema.minimum {
                if schema.exclusiveMinimum, number <= minimum {
                    errors.append(.invalid(path, value, "\(label) in body should be greater than \(GoFormat.number(minimum))"))
                } else if !schema.exclusiveMinimum, number < minimum {
                    errors.append(.invalid(path, value, "\(label) in body should be greater than or equal to \(GoFormat.number(minimum))"))
                }
            }
        }

        // 5. array
        if case .array(let items) = value {
            if let itemSchema = schema.items {
                for (index, item) in items.enumerated() {
                    errors += validate(item, schema: itemSchema, path: "\(path)[\(index)]")
                }
            }
            if let minItems = schema.minItems, items.count < minItems {
                errors.append(.invalid(path, .int(Int64(items.count)), "\(label) in body should have at least \(minItems) items"))
            }
            if let maxItems = schema.maxItems, items.count > maxItems {
                errors.append(.tooMany(path, actual: items.count, max: maxItems))
            }
            if schema.uniqueItems || schema.listType == "set" {
                if hasDuplicates(items) {
                    errors.append(.invalid(path, "", "\(label) in body shouldn't contain duplicates"))
                }
            }
        }

        // 6. enum
        if let allowed = schema.enumValues, !allowed.contains(where: { $0.semanticallyEquals(value) }) {
            let supported = allowed.map { allowedValue -> String in
                if case .string(let text) = allowedValue { return text }
                return String(decoding: (try? allowedValue.jsonData()) ?? Data(), as: UTF8.self)
            }
            errors.append(.notSupported(path, value, supported))
        }

        // 7. object
        if case .object(let members) = value {
            if let maxProperties = schema.maxProperties, members.count > maxProperties {
                errors.append(.tooMany(path, actual: members.count, max: maxProperties))
            }
            if let minProperties = schema.minProperties, members.count < minProperties {
                errors.append(.invalid(path, .int(Int64(members.count)),
                                       "\(label) in body should have at least \(minProperties) properties"))
            }
            for name in schema.required where members[name] == nil && !skipping.contains(name) {
                errors.append(.required(child(path, name)))
            }
            for name in members.keys.sorted() where !skipping.contains(name) {
                let member = members[name]!
                if let propertySchema = schema.properties[name] {
                    errors += validate(member, schema: propertySchema, path: child(path, name))
                } else if let additional = schema.additionalProperties {
                    errors += validate(member, schema: additional, path: child(path, name))
                }
            }
        }
        return errors
    }

    package static func child(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    /// Go's regexp.MatchString: the pattern may match anywhere in the text.
    package static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return true }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, range: range) != nil
    }

    private static func hasDuplicates(_ items: [JSONValue]) -> Bool {
        for i in items.indices {
            for j in items.indices where j > i && items[i].semanticallyEquals(items[j]) {
                return true
            }
        }
        return false
    }
}
