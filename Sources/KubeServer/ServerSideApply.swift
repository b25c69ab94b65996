import KubeAPI
import KubeSchema

/// Server-side apply on an existing object, with field ownership from `ManagedFields`:
/// the applied configuration is merged in (objects member by member, lists whole), fields this
/// manager applied before but no longer applies are removed unless another manager owns them,
/// and setting a field another manager owns to a different value is a conflict unless `force`.
/// Pure; the registry runs the result through the normal update path.
enum ServerSideApply {
    struct Conflict: Sendable, Equatable {
        var manager: String
        var entry: ManagedFields.Entry
        var path: ManagedFields.Path

        var managerDescription: String {
            var text = GoFormat.quote(manager)
            if let subresource = entry.subresource { text += " with subresource \(GoFormat.quote(subresource))" }
            if entry.operation == .update {
                text += " using \(entry.apiVersion)"
                if let time = entry.time { text += " at \(time)" }
            }
            return text
        }

        var pathDescription: String { "." + path.map { String($0.dropFirst(2)) }.joined(separator: ".") }
    }

    struct Result: Sendable {
        var object: JSONValue
        var applied: Set<ManagedFields.Path>
    }

    static func apply(_ config: JSONValue, to live: JSONValue, manager: String, force: Bool, subresource: String?,
                      hasStatusSubresource: Bool) throws(APIFailure) -> Result {
        let applied = ManagedFields.leaves(config, subresource: subresource, hasStatusSubresource: hasStatusSubresource)
        var entries = ManagedFields.entries(of: live)
        func isOwn(_ entry: ManagedFields.Entry) -> Bool {
            entry.manager == manager && entry.operation == .apply && entry.subresource == subresource
        }

        var conflicts: [Conflict] = []
        for entry in entries where !isOwn(entry) {
            for path in applied.intersection(entry.fields).sorted(by: { $0.lexicographicallyPrecedes($1) })
            where ManagedFields.value(at: path, in: live) != ManagedFields.value(at: path, in: config) {
                conflicts.append(Conflict(manager: entry.manager, entry: entry, path: path))
            }
        }
        if !conflicts.isEmpty {
            guard force else { throw APIFailure(conflictStatus(conflicts)) }
            for index in entries.indices where !isOwn(entries[index]) {
                entries[index].fields.subtract(applied)
            }
        }

        var merged = merge(config, into: live)
        let previous = entries.first(where: isOwn)?.fields ?? []
        for path in previous.subtracting(applied) {
            let ownedElsewhere = entries.contains { !isOwn($0) && $0.fields.contains(path) }
            if !ownedElsewhere { ManagedFields.remove(path, from: &merged) }
        }
        ManagedFields.setEntries(entries, on: &merged)
        return Result(object: merged, applied: applied)
    }

    /// Objects merge member by member; anything else (lists included) is replaced.
    static func merge(_ config: JSONValue, into live: JSONValue) -> JSONValue {
        guard case .object(let patch) = config, case .object(var result) = live else { return config }
        for (key, value) in patch {
            if key == "metadata", case .object(let metadata) = value {
                // Only the parts of metadata a manager can own merge in; the rest is the server's.
                var liveMetadata = result["metadata"] ?? .object([:])
                for field in ["labels", "annotations", "finalizers", "ownerReferences"] {
                    if let member = metadata[field] {
                        liveMetadata[field] = merge(member, into: liveMetadata[field] ?? .null)
                    }
                }
                if let version = metadata["resourceVersion"] { liveMetadata["resourceVersion"] = version }
                result["metadata"] = liveMetadata
            } else {
                result[key] = merge(value, into: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// kube's apply conflict error (409, reason Conflict, one cause per field).
    static func conflictStatus(_ conflicts: [Conflict]) -> Status {
        let causes = conflicts.map {
            StatusCause(reason: "FieldManagerConflict", message: "conflict with \($0.managerDescription)", field: $0.pathDescription)
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].managerDescription): \(conflicts[0].pathDescription)"
        } else {
            var lines: [String] = []
            let byManager = Dictionary(grouping: conflicts, by: \.manager)
            for manager in byManager.keys.sorted() {
                lines.append("conflicts with \(byManager[manager]![0].managerDescription):")
                lines += byManager[manager]!.map { "- \($0.pathDescription)" }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return Status(message: message, reason: .conflict, details: StatusDetails(causes: causes), code: 409)
    }
}
