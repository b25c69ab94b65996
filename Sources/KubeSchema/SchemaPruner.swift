import KubeAPI

/// Structural pruning: drops every field the schema does not declare, unless a node says
/// `x-kubernetes-preserve-unknown-fields` or has `additionalProperties`, exactly where
/// kube-apiserver drops them (at decode time, before defaulting and validation).
/// `apiVersion`, `kind` and `metadata` survive at the root and in embedded resources.
package enum SchemaPruner {
    package static func prune(_ value: JSONValue, schema: OpenAPISchema) -> JSONValue {
        prune(value, schema: schema, keepTypeMeta: true)
    }

    /// The field paths `prune` would drop (`spec.bogus`, `spec.items[0].x`), for warnings and strict validation.
    package static func unknownFields(_ value: JSONValue, schema: OpenAPISchema) -> [String] {
        var found: [String] = []
        collectUnknown(value, schema: schema, keepTypeMeta: true, path: "", into: &found)
        return found.sorted()
    }

    private static func collectUnknown(_ value: JSONValue, schema: OpenAPISchema?, keepTypeMeta: Bool, path: String,
                                       into found: inout [String]) {
        guard let schema else { return }
        switch value {
        case .object(let members):
            for (name, member) in members {
                let child = path.isEmpty ? name : "\(path).\(name)"
                if let propertySchema = schema.properties[name] {
                    if !(path.isEmpty && name == "metadata") {
                        collectUnknown(member, schema: propertySchema, keepTypeMeta: propertySchema.embeddedResource,
                                       path: child, into: &found)
                    }
                } else if let additional = schema.additionalProperties {
                    collectUnknown(member, schema: additional, keepTypeMeta: additional.embeddedResource, path: child, into: &found)
                } else if schema.preserveUnknownFields || (keepTypeMeta && ["apiVersion", "kind", "metadata"].contains(name)) {
                    continue
                } else {
                    found.append(child)
                }
            }
        case .array(let items):
            guard let itemSchema = schema.items else { return }
            for (index, item) in items.enumerated() {
                collectUnknown(item, schema: itemSchema, keepTypeMeta: itemSchema.embeddedResource, path: "\(path)[\(index)]",
                               into: &found)
            }
        default:
            return
        }
    }

    private static func prune(_ value: JSONValue, schema: OpenAPISchema?, keepTypeMeta: Bool) -> JSONValue {
        guard let schema else { return value }
        switch value {
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (name, member) in members {
                if keepTypeMeta, name == "metadata" {
                    // ObjectMeta is never pruned by the object's schema, even where the schema
                    // declares `metadata: {type: object}` as generated CRDs do: kube keeps it
                    // and applies the ObjectMeta rules instead.
                    result[name] = member
                } else if let propertySchema = schema.properties[name] {
                    result[name] = prune(member, schema: propertySchema, keepTypeMeta: propertySchema.embeddedResource)
                } else if let additional = schema.additionalProperties {
                    result[name] = prune(member, schema: additional, keepTypeMeta: additional.embeddedResource)
                } else if schema.preserveUnknownFields {
                    result[name] = member
                } else if keepTypeMeta, ["apiVersion", "kind", "metadata"].contains(name) {
                    result[name] = member
                }
            }
            return .object(result)
        case .array(let items):
            guard let itemSchema = schema.items else { return value }
            return .array(items.map { prune($0, schema: itemSchema, keepTypeMeta: itemSchema.embeddedResource) })
        default:
            return value
        }
    }
}

/// Defaulting as kube-apiserver does it for custom resources (structuraldefaulting): a
/// property that is absent, or null without `nullable: true`, gets a copy of its `default`;
/// a non-nullable null without a default is dropped. Defaulted values are defaulted again
/// inside, top-down. Kube applies this on every decode, so also when reading from storage.
package enum SchemaDefaulter {
    package static func applyDefaults(_ value: JSONValue, schema: OpenAPISchema?) -> JSONValue {
        guard let schema else { return value }
        switch value {
        case .object(var members):
            for (name, propertySchema) in schema.properties {
                let current = members[name]
                if let defaultValue = propertySchema.defaultValue {
                    if current == nil || (current == .null && !propertySchema.nullable) {
                        members[name] = defaultValue
                    }
                } else if current == .null, !propertySchema.nullable {
                    members[name] = nil
                }
            }
            for (name, member) in members {
                if let propertySchema = schema.properties[name] {
                    members[name] = applyDefaults(member, schema: propertySchema)
                } else if let additional = schema.additionalProperties {
                    if member == .null, !additional.nullable {
                        if let defaultValue = additional.defaultValue {
                            members[name] = applyDefaults(defaultValue, schema: additional)
                        } else {
                            members[name] = nil
                        }
                    } else {
                        members[name] = applyDefaults(member, schema: additional)
                    }
                }
            }
            return .object(members)
        case .array(let items):
            guard let itemSchema = schema.items else { return value }
            return .array(items.map { item in
                if item == .null, !itemSchema.nullable, let defaultValue = itemSchema.defaultValue {
                    return applyDefaults(defaultValue, schema: itemSchema)
                }
                return applyDefaults(item, schema: itemSchema)
            })
        default:
            return value
        }
    }
}
