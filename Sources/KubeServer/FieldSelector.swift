import KubeAPI

/// A parsed `fieldSelector`: `field=value`, `field==value` or `field!=value`, comma-joined
/// (k8s.io/apimachinery/pkg/fields). Which fields may be used depends on the resource;
/// `ResourceDefinition.selectableFields` says, and anything else is a 400 as in kube.
struct FieldSelector: Sendable, Hashable {
    struct Term: Sendable, Hashable {
        var field: String
        var negated: Bool
        var value: String
    }

    var terms: [Term]

    static let everything = FieldSelector(terms: [])

    var isEmpty: Bool { terms.isEmpty }

    struct ParseError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws(ParseError) -> FieldSelector {
        if text.isEmpty { return .everything }
        var terms: [Term] = []
        for part in splitUnescaped(text, on: ",") where !part.isEmpty {
            if let range = firstUnescaped(part, "!=") {
                terms.append(Term(field: String(part[..<range.lowerBound]), negated: true,
                                  value: unescape(String(part[range.upperBound...]))))
            } else if let range = firstUnescaped(part, "==") {
                terms.append(Term(field: String(part[..<range.lowerBound]), negated: false,
                                  value: unescape(String(part[range.upperBound...]))))
            } else if let range = firstUnescaped(part, "=") {
                terms.append(Term(field: String(part[..<range.lowerBound]), negated: false,
                                  value: unescape(String(part[range.upperBound...]))))
            } else {
                throw ParseError(description: "invalid selector: '\(text)'; can't understand '\(part)'")
            }
        }
        return FieldSelector(terms: terms)
    }

    /// Whether an object matches, reading each field through `value(field)` (missing fields are "").
    func matches(_ value: (String) -> String) -> Bool {
        terms.allSatisfy { term in (value(term.field) == term.value) != term.negated }
    }

    private static func splitUnescaped(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if escaped {
                current.append("\\")
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if escaped { current.append("\\") }
        parts.append(current)
        return parts
    }

    private static func firstUnescaped(_ text: String, _ op: String) -> Range<String.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\\" {
                index = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
                continue
            }
            if text[index...].hasPrefix(op) {
                return index..<text.index(index, offsetBy: op.count)
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func unescape(_ text: String) -> String {
        var out = ""
        var escaped = false
        for c in text {
            if escaped {
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
