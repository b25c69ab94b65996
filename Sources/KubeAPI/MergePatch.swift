/// JSON merge patch (RFC 7386), as Kubernetes implements `application/merge-patch+json`.
///
/// Both directions live here: `apply` is what the API server does with a patch, and `diff`
/// is what the client sends when it changed a typed model, so that fields it does not model
/// are never overwritten (the unknown-fields rule of a read-modify-write).
public enum MergePatch {
    /// Applies `patch` to `target`: objects merge member by member, `null` removes a member,
    /// anything else replaces the value whole (arrays included).
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// The smallest merge patch that turns `original` into `modified`, or `nil` when they are equal.
    public static func diff(from original: JSONValue, to modified: JSONValue) -> JSONValue? {
        guard case .object(let old) = original, case .object(let new) = modified else {
            return original == modified ? nil : modified
        }
        var patch: [String: JSONValue] = [:]
        for key in old.keys where new[key] == nil {
            patch[key] = .null
        }
        for (key, newValue) in new {
            if let oldValue = old[key] {
                if newValue.objectValue != nil, oldValue.objectValue != nil {
                    if let child = diff(from: oldValue, to: newValue) { patch[key] = child }
                } else if oldValue != newValue {
                    patch[key] = newValue
                }
            } else {
                patch[key] = newValue
            }
        }
        return patch.isEmpty ? nil : .object(patch)
    }
}
