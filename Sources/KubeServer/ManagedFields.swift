import KubeAPI

/// `metadata.managedFields`: which field manager last set which fields, in kube's FieldsV1
/// form. Every write records its manager, as kube does; server-side apply reads it to find
/// conflicts and to remove fields a manager stopped applying.
///
/// Simplification (documented): every list is atomic (one field), where kube merges some
/// built-in lists by key; custom resources' `x-kubernetes-list-type: map` lists are atomic too.
enum ManagedFields {
    enum Operation: String, Sendable {
        case apply = "Apply"
        case update = "Update"
    }

    /// A field path as FieldsV1 keys: `["f:spec", "f:replicas"]`.
    typealias Path = [String]

    struct Entry: Sendable, Equatable {
        var manager: String
        var operation: Operation
        var apiVersion: String
        var time: String?
        var subresource: String?
        var fields: Set<Path>

        var json: JSONValue {
            var members: [String: JSONValue] = [
                "manager": .string(manager), "operation": .string(operation.rawValue),
                "apiVersion": .string(apiVersion), "fieldsType": "FieldsV1", "fieldsV1": ManagedFields.encode(fields),
            ]
            if let time { members["time"] = .string(time) }
            if let subresource { members["subresource"] = .string(subresource) }
            return .object(members)
        }

        init(manager: String, operation: Operation, apiVersion: String, time: String?, subresource: String?, fields: Set<Path>) {
            self.manager = manager
            self.operation = operation
            self.apiVersion = apiVersion
            self.time = time
            self.subresource = subresource
            self.fields = fields
        }

        init?(json: JSONValue) {
            guard let manager = json["manager"]?.stringValue,
                  let operation = json["operation"]?.stringValue.flatMap(Operation.init(rawValue:)) else { return nil }
            self.manager = manager
            self.operation = operation
            apiVersion = json["apiVersion"]?.stringValue ?? ""
            time = json["time"]?.stringValue
            subresource = json["subresource"]?.stringValue
            fields = ManagedFields.decode(json["fieldsV1"] ?? .object([:]))
        }
    }

    static func entries(of object: JSONValue) -> [Entry] {
        object[path: ["metadata", "managedFields"]]?.arrayValue?.compactMap(Entry.init(json:)) ?? []
    }

    static func setEntries(_ entries: [Entry], on object: inout JSONValue) {
        let kept = entries.filter { !$0.fields.isEmpty }
        object[path: ["metadata", "managedFields"]] = kept.isEmpty ? nil : .array(kept.map(\.json))
    }

    /// The fields of an object a manager can own: metadata's labels, annotations, finalizers
    /// and ownerReferences, plus everything outside metadata that the endpoint writes
    /// (not `status` through the main resource when status is a subresource, only `status` through /status).
    static func leaves(_ object: JSONValue, subresource: String?, hasStatusSubresource: Bool) -> Set<Path> {
        var result = Set<Path>()
        for (key, value) in object.objectValue ?? [:] {
            switch key {
            case "apiVersion", "kind":
                continue
            case "metadata":
                for field in ["labels", "annotations", "finalizers", "ownerReferences"] {
                    if let member = value[field] {
                        collect(member, ["f:metadata", "f:\(field)"], into: &result)
                    }
                }
            case "status":
                if subresource == "status" || !hasStatusSubresource { collect(value, ["f:status"], into: &result) }
            default:
                if subresource != "status" { collect(value, ["f:\(key)"], into: &result) }
            }
        }
        return result
    }

    private static func collect(_ value: JSONValue, _ prefix: Path, into result: inout Set<Path>) {
        if case .object(let members) = value, !members.isEmpty {
            for (key, member) in members { collect(member, prefix + ["f:\(key)"], into: &result) }
        } else {
            result.insert(prefix)
        }
    }

    /// The value at a FieldsV1 path, nil when absent.
    static func value(at path: Path, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for element in path {
            guard element.hasPrefix("f:") else { return nil }
            current = current?[String(element.dropFirst(2))]
        }
        return current
    }

    /// Removes the field at a path (and nothing else).
    static func remove(_ path: Path, from object: inout JSONValue) {
        object[path: path.map { String($0.dropFirst(2)) }] = nil
    }

    /// Records a write by `manager`. For `update`, the manager takes every field whose value
    /// changed and others lose them; for `apply`, `applied` is exactly the manager's new set.
    static func record(old: JSONValue?, new: JSONValue, manager: String, operation: Operation, apiVersion: String,
                       subresource: String?, hasStatusSubresource: Bool, applied: Set<Path>? = nil) -> JSONValue {
        var entries = old.map(entries(of:)) ?? []
        let newLeaves = leaves(new, subresource: subresource, hasStatusSubresource: hasStatusSubresource)
        let oldLeaves = old.map { leaves($0, subresource: subresource, hasStatusSubresource: hasStatusSubresource) } ?? []
        let changed = newLeaves.union(oldLeaves).filter { path in
            value(at: path, in: old ?? .null) != value(at: path, in: new)
        }
        let owned = operation == .apply ? (applied ?? newLeaves) : changed.intersection(newLeaves)
        for index in entries.indices {
            let isTarget = entries[index].manager == manager && entries[index].operation == operation
                && entries[index].subresource == subresource
            if !isTarget { entries[index].fields.subtract(changed) }
            // A field that no longer exists belongs to nobody.
            entries[index].fields = entries[index].fields.filter { value(at: $0, in: new) != nil }
        }
        let time = KubeTime.format(.now)
        if let index = entries.firstIndex(where: { $0.manager == manager && $0.operation == operation && $0.subresource == subresource }) {
            if operation == .apply {
                entries[index].fields = owned
            } else {
                entries[index].fields.formUnion(owned)
            }
            if !changed.isEmpty || operation == .apply {
                entries[index].time = time
                entries[index].apiVersion = apiVersion
            }
        } else if !owned.isEmpty {
            entries.append(Entry(manager: manager, operation: operation, apiVersion: apiVersion, time: time,
                                 subresource: subresource, fields: owned))
        }
        var result = new
        setEntries(entries, on: &result)
        return result
    }

    /// Equal apart from managedFields timestamps: such a write is a no-op.
    static func sameExceptTimestamps(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func strip(_ object: JSONValue) -> JSONValue {
            var copy = object
            let entries = entries(of: object).map { entry -> JSONValue in
                var plain = entry
                plain.time = nil
                return plain.json
            }
            copy[path: ["metadata", "managedFields"]] = entries.isEmpty ? nil : .array(entries)
            copy[path: ["metadata", "resourceVersion"]] = nil
            return copy
        }
        return strip(a) == strip(b)
    }

    // MARK: FieldsV1

    static func encode(_ fields: Set<Path>) -> JSONValue {
        var root: JSONValue = .object([:])
        // Deeper paths first, so a path that is also a parent gets its "." marker.
        for path in fields.sorted(by: { $0.count > $1.count }) {
            let existing = root[path: path]
            if let members = existing?.objectValue, !members.isEmpty {
                root[path: path + ["."]] = .object([:])
            } else {
                root[path: path] = .object([:])
            }
        }
        return root
    }

    static func decode(_ tree: JSONValue) -> Set<Path> {
        var result = Set<Path>()
        func walk(_ node: JSONValue, _ prefix: Path) {
            guard case .object(let members) = node else { return }
            if members.isEmpty, !prefix.isEmpty { result.insert(prefix) }
            for (key, child) in members {
                if key == "." { result.insert(prefix) } else { walk(child, prefix + [key]) }
            }
        }
        walk(tree, [])
        return result
    }
}
