import Foundation

/// The query string of a request, decoded like Go's `url.ParseQuery` (`+` is a space).
struct QueryParameters: Sendable {
    private var values: [String: [String]] = [:]

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(String(parts[0]))
            let value = parts.count > 1 ? Self.decode(String(parts[1])) : ""
            values[key, default: []].append(value)
        }
    }

    private static func decode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? { values[key]?.first }

    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// Go's `strconv.ParseBool`; nil when absent or not a boolean.
    func bool(_ key: String) -> Bool? {
        switch self[key] {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }

    func int(_ key: String) -> Int64? { self[key].flatMap { Int64($0) } }
}
