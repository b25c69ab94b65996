import KubeAPI

/// JSON Patch (RFC 6902), as kube applies `application/json-patch+json`: a list of
/// add/remove/replace/move/copy/test operations on JSON pointers. Pure.
enum JSONPatch {
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    static func apply(_ patch: JSONValue, to document: JSONValue) throws(Failure) -> JSONValue {
        guard let operations = patch.arrayValue else {
            throw Failure(description: "json: cannot unmarshal \(patch.typeName) into Go value of type jsonpatch.Patch")
        }
        var result = document
        for operation in operations {
            guard let op = operation["op"]?.stringValue else { throw Failure(description: "Unexpected kind: unknown") }
            guard let path = operation["path"]?.stringValue else {
                throw Failure(description: "operation missing path: \(op)")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw Failure(description: "missing value for add operation") }
                result = try add(value, at: pointer, in: result)
            case "remove":
                result = try remove(at: pointer, in: result).document
            case "replace":
                guard let value = operation["value"] else { throw Failure(description: "missing value for replace operation") }
                _ = try get(pointer, in: result, operation: "replace")
                result = try remove(at: pointer, in: result).document
                result = try add(value, at: pointer, in: result)
            case "move":
                guard let from = operation["from"]?.stringValue else { throw Failure(description: "missing from for move") }
                let (value, removed) = try remove(at: try parsePointer(from), in: result)
                result = try add(value, at: pointer, in: removed)
            case "copy":
                guard let from = operation["from"]?.stringValue else { throw Failure(description: "missing from for copy") }
                result = try add(try get(try parsePointer(from), in: result, operation: "copy"), at: pointer, in: result)
            case "test":
                let actual = try get(pointer, in: result, operation: "test")
                guard actual.semanticallyEquals(operation["value"] ?? .null) else {
                    throw Failure(description: "testing value \(path) failed: test failed")
                }
            default:
                throw Failure(description: "Unexpected kind: \(op)")
            }
        }
        return result
    }

    private static func parsePointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(description: "JSON pointer must be empty or start with a \"/\"") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func get(_ pointer: [String], in document: JSONValue, operation: String) throws(Failure) -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object(let members):
                guard let next = members[token] else {
                    throw Failure(description: "\(operation) operation does not apply: doc is missing path: /\(pointer.joined(separator: "/"))")
                }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else {
                    throw Failure(description: "\(operation) operation does not apply: doc is missing path: /\(pointer.joined(separator: "/"))")
                }
                current = items[index]
            default:
                throw Failure(description: "\(operation) operation does not apply: doc is missing path: /\(pointer.joined(separator: "/"))")
            }
        }
        return current
    }

    private static func add(_ value: JSONValue, at pointer: [String], in document: JSONValue) throws(Failure) -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[token] = value
            } else {
                guard let child = members[token] else {
                    throw Failure(description: "add operation does not apply: doc is missing path: \"/\(pointer.joined(separator: "/"))\": missing value")
                }
                members[token] = try add(value, at: rest, in: child)
            }
            return .object(members)
        case .array(var items):
            if rest.isEmpty {
                if token == "-" {
                    items.append(value)
                } else {
                    guard let index = Int(token), index >= 0, index <= items.count else {
                        throw Failure(description: "add operation does not apply: index out of bounds")
                    }
                    items.insert(value, at: index)
                }
            } else {
                guard let index = Int(token), items.indices.contains(index) else {
                    throw Failure(description: "add operation does not apply: index out of bounds")
                }
                items[index] = try add(value, at: rest, in: items[index])
            }
            return .array(items)
        default:
            throw Failure(description: "add operation does not apply: doc is missing path")
        }
    }

    private static func remove(at pointer: [String], in document: JSONValue) throws(Failure) -> (value: JSONValue, document: JSONValue) {
        guard let token = pointer.first else { throw Failure(description: "remove operation does not apply: empty path") }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[token] else {
                throw Failure(description: "remove operation does not apply: doc is missing path: \"/\(pointer.joined(separator: "/"))\": missing value")
            }
            if rest.isEmpty {
                members[token] = nil
                return (child, .object(members))
            }
            let (value, updated) = try remove(at: rest, in: child)
            members[token] = updated
            return (value, .object(members))
        case .array(var items):
            guard let index = Int(token), items.indices.contains(index) else {
                throw Failure(description: "remove operation does not apply: index out of bounds")
            }
            if rest.isEmpty {
                return (items.remove(at: index), .array(items))
            }
            let (value, updated) = try remove(at: rest, in: items[index])
            items[index] = updated
            return (value, .array(items))
        default:
            throw Failure(description: "remove operation does not apply: doc is missing path")
        }
    }
}
