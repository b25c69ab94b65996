import KubeAPI

/// Which objects a list or watch wants: a namespace (or all), a label selector and a field
/// selector, checked against the fields the resource allows.
struct ObjectFilter: Sendable {
    var namespace: String?
    var labels: LabelSelector = .everything
    var fields: FieldSelector = .everything
    var selectableFields: [String: [String]] = [:]

    var hasSelectors: Bool { !labels.isEmpty || !fields.isEmpty }

    func matches(_ object: JSONValue) -> Bool {
        if let namespace, ObjectMetaRules.namespace(object) != namespace { return false }
        if !labels.isEmpty, !labels.matches(ObjectMetaRules.labels(object)) { return false }
        if !fields.isEmpty {
            return fields.matches { field in
                guard let path = selectableFields[field], let value = object[path: path] else { return "" }
                switch value {
                case .string(let text): return text
                case .bool(let flag): return flag ? "true" : "false"
                case .int(let number): return String(number)
                default: return ""
                }
            }
        }
        return true
    }

    /// Builds the filter from the query, rejecting what kube rejects (400).
    static func from(_ query: QueryParameters, namespace: String?, definition: ResourceDefinition) throws(APIFailure) -> ObjectFilter {
        var filter = ObjectFilter(namespace: namespace, selectableFields: definition.selectableFields)
        if let text = query["labelSelector"] {
            do {
                filter.labels = try LabelSelector.parse(text)
            } catch {
                throw APIFailure(.badRequest(error.description))
            }
        }
        if let text = query["fieldSelector"] {
            do {
                filter.fields = try FieldSelector.parse(text)
            } catch {
                throw APIFailure(.badRequest(error.description))
            }
            for term in filter.fields.terms where filter.selectableFields[term.field] == nil {
                throw APIFailure(.badRequest(definition.unsupportedFieldMessage(term.field)))
            }
        }
        return filter
    }
}
