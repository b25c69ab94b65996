import Foundation
import KubeAPI
import Yams

/// Typed access to the fields of a YAML document with errors that name the file, the line and
/// the field path (`users[1].user.exec.args`), which is what someone fixing a kubeconfig needs.
struct YAMLFields {
    let file: String

    func parse(_ text: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        }
    }

    func fail(_ node: Node?, _ field: String, _ problem: String) -> KubeConfigError {
        .invalidField(file: file, line: node?.mark?.line, field: field, problem: problem)
    }

    /// The mapping at `field`, or nil when it is absent or `null`.
    func mapping(_ node: Node?, _ field: String) throws -> Node.Mapping? {
        guard let node, !isNull(node) else { return nil }
        guard let mapping = node.mapping else { throw fail(node, field, "must be a mapping, not \(kind(node))") }
        return mapping
    }

    func sequence(_ node: Node?, _ field: String) throws -> [Node] {
        guard let node, !isNull(node) else { return [] }
        guard let sequence = node.sequence else { throw fail(node, field, "must be a list, not \(kind(node))") }
        return Array(sequence)
    }

    func string(_ node: Node?, _ field: String) throws -> String? {
        guard let node, !isNull(node) else { return nil }
        guard let scalar = node.scalar else { throw fail(node, field, "must be a string, not \(kind(node))") }
        return scalar.string
    }

    func requiredString(_ node: Node?, _ field: String, in parent: Node) throws -> String {
        guard let value = try string(node, field), !value.isEmpty else {
            throw fail(node ?? parent, field, "is missing")
        }
        return value
    }

    func bool(_ node: Node?, _ field: String) throws -> Bool? {
        guard let node, !isNull(node) else { return nil }
        guard let value = node.bool else { throw fail(node, field, "must be true or false, not \"\(node.string ?? kind(node))\"") }
        return value
    }

    func stringList(_ node: Node?, _ field: String) throws -> [String] {
        try sequence(node, field).enumerated().map { index, item in
            guard let value = try string(item, "\(field)[\(index)]") else {
                throw fail(item, "\(field)[\(index)]", "must be a string")
            }
            return value
        }
    }

    /// `*-data` fields: base64 text in the file, bytes in memory.
    func base64(_ node: Node?, _ field: String) throws -> Data? {
        guard let text = try string(node, field), !text.isEmpty else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw fail(node, field, "is not valid base64")
        }
        return data
    }

    /// Any YAML sub-tree as JSON (for extension blobs we pass along but do not interpret).
    func json(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping { members[key.string ?? ""] = json(value) }
            return .object(members)
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .scalar:
            if isNull(node) { return .null }
            if node.tag.description == Tag.Name.bool.rawValue, let value = node.bool { return .bool(value) }
            if node.tag.description == Tag.Name.int.rawValue, let value = node.int { return .int(Int64(value)) }
            if node.tag.description == Tag.Name.float.rawValue, let value = node.float { return .double(value) }
            return .string(node.string ?? "")
        case .alias:
            return .null
        }
    }

    private func isNull(_ node: Node) -> Bool {
        node.scalar != nil && node.tag.description == Tag.Name.null.rawValue
    }

    private func kind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: "\"\(node.string ?? "")\""
        case .alias: "an alias"
        }
    }

    static func describe(_ error: YamlError, file: String) -> KubeConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) (line \($0.mark.line)): " } ?? ""
            return .invalidYAML(file: file, line: mark.line, column: mark.column, problem: detail + problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .invalidYAML(file: file, line: context.mark.line, column: context.mark.column,
                                problem: "duplicated keys \(duplicates.sorted().joined(separator: ", "))")
        default:
            return .invalidYAML(file: file, line: nil, column: nil, problem: "\(error)")
        }
    }
}
