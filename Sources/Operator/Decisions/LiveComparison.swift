import KubeAPI

/// Whether a live object already is as rendered: every field the operator renders has the same
/// value in the live object. Fields the server or other controllers added (defaults, status,
/// annotations of other tools) do not count, so a server that defaults more never causes a write.
/// This is what keeps the steady state free of writes: an object that `covers` its rendering is
/// never applied again.
public enum LiveComparison {
    public static func covers(_ live: JSONValue?, _ rendered: JSONValue) -> Bool {
        guard let live else { return false }
        switch (live, rendered) {
        case (.object(let liveMembers), .object(let renderedMembers)):
            return renderedMembers.allSatisfy { key, value in covers(liveMembers[key], value) }
        case (.array(let liveItems), .array(let renderedItems)):
            return liveItems.count == renderedItems.count && zip(liveItems, renderedItems).allSatisfy { covers($0, $1) }
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return Double(a) == b
        case (.string(let a), .string(let b)) where a != b:
            // Quantities come back in canonical form; the same amount is no change.
            guard let x = Quantity.bytes(a), let y = Quantity.bytes(b) else { return false }
            return abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        default:
            return live == rendered
        }
    }

    /// The first path where `live` differs from `rendered`, for logs ("spec.template.spec.containers[0].image").
    public static func firstDifference(_ live: JSONValue?, _ rendered: JSONValue, path: String = "") -> String? {
        guard let live else { return path.isEmpty ? "(absent)" : path }
        switch (live, rendered) {
        case (.object(let liveMembers), .object(let renderedMembers)):
            for key in renderedMembers.keys.sorted() {
                if let difference = firstDifference(liveMembers[key], renderedMembers[key]!, path: path.isEmpty ? key : "\(path).\(key)") {
                    return difference
                }
            }
            return nil
        case (.array(let liveItems), .array(let renderedItems)):
            if liveItems.count != renderedItems.count { return path }
            for (index, pair) in zip(liveItems, renderedItems).enumerated() {
                if let difference = firstDifference(pair.0, pair.1, path: "\(path)[\(index)]") { return difference }
            }
            return nil
        default:
            return covers(live, rendered) ? nil : path
        }
    }
}
