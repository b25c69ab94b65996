import ArgumentParser
import Foundation
import KubeAPI
import Yams

/// `-o`: how a command prints data. Tables are for people; json, yaml and name are for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case wide
    case json
    case yaml
    case name

    static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Renders API objects as JSON or YAML, with sorted keys so output is stable and diffable.
enum DataPrinter {
    static func render(_ value: JSONValue, as format: OutputFormat) throws -> String {
        switch format {
        case .yaml:
            let encoder = YAMLEncoder()
            encoder.options.sortKeys = true
            return try encoder.encode(value)
        default:
            return String(decoding: try value.jsonData(pretty: true), as: UTF8.self) + "\n"
        }
    }

    /// A list the way kubectl prints one with `-o json|yaml`: `kind: List` with `items`.
    static func renderList(_ items: [JSONValue], as format: OutputFormat) throws -> String {
        try render(["apiVersion": "v1", "kind": "List", "items": .array(items), "metadata": ["resourceVersion": ""]], as: format)
    }
}

/// Says in one place which formats a command accepts, so `-o wide` on `status` is a usage error
/// with a helpful message rather than silently ignored.
extension OutputFormat {
    static func validate(_ format: OutputFormat?, allowed: [OutputFormat], command: String) throws {
        guard let format, !allowed.contains(format) else { return }
        throw ValidationError(
            "`\(command)` cannot print `-o \(format.rawValue)`; use one of: \(allowed.map(\.rawValue).joined(separator: ", ")).")
    }
}
