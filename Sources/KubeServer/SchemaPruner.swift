import KubeAPI

/// Structural pruning: drops every field the schema does not declare, unless a node says
/// `x-kubernetes-preserve-unknown-fields` or has `additionalProperties`, exactly where
/// kube-apiserver drops them (at decode time, before defaulting and validation).
/// `apiVersion`, `kind` and `metadata` survive at the root and in embedded resources.
enum SchemaPruner {
    static func prune(_ value: JSONValue, schema: OpenAPISchema) -> JSONValue {
        prune(value, schema: schema, keepTypeMeta: true)
    }

    private static func prune(_ value: JSONValue, schema: OpenAPISchema?, keepTypeMeta: Bool) -> JSONValue {
        guard let schema else { return value }
        switch value {
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (name, member) in members {
                if let propertySchema = schema.properties[name] {
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
enum SchemaDefaulter {
    static func applyDefaults(_ value: JSONValue, schema: OpenAPISchema?) -> JSONValue {
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
