import Foundation
import KubeAPI

/// One field-level validation failure, worded exactly as kube-apiserver's `field.Error`
/// (k8s.io/apimachinery/pkg/util/validation/field), because clients and people read these
/// messages and `details.causes`, and a test against this server should see what a real
/// cluster would say.
package struct FieldError: Sendable, Hashable, Error {
    /// The `reason` of a `StatusCause` (Go's `field.ErrorType`).
    package enum Kind: String, Sendable {
        case notFound = "FieldValueNotFound"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case typeInvalid = "FieldValueTypeInvalid"

        /// The human prefix kube prints ("Required value", "Unsupported value", ...).
        package var title: String {
            switch self {
            case .notFound: "Not found"
            case .required: "Required value"
            case .duplicate: "Duplicate value"
            case .invalid, .typeInvalid: "Invalid value"
            case .notSupported: "Unsupported value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            }
        }
    }

    /// The offending value as Go would print it inside the message.
    package enum BadValue: Sendable, Hashable {
        /// Not printed (Required, Forbidden, TooLong).
        case omitted
        case json(JSONValue)
        /// Printed verbatim, for Go values that are not JSON (like `0x0` for a uint64).
        case verbatim(String)
    }

    package var kind: Kind
    package var field: String
    package var value: BadValue
    package var detail: String

    package init(kind: Kind, field: String, value: BadValue, detail: String) {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    /// The message without the field, as in `StatusCause.message`.
    package var body: String {
        var text = kind.title
        switch (kind, value) {
        case (.required, _), (.forbidden, _), (.tooLong, _), (_, .omitted):
            break
        case (_, .json(let json)):
            text += ": " + GoFormat.value(json)
        case (_, .verbatim(let raw)):
            text += ": " + raw
        }
        if !detail.isEmpty { text += ": " + detail }
        return text
    }

    /// `field: body`, as in the aggregated message.
    package var message: String { "\(field): \(body)" }

    package var cause: StatusCause { StatusCause(reason: kind.rawValue, message: body, field: field) }

    // MARK: Constructors named like Go's

    package static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(kind: .required, field: field, value: .omitted, detail: detail)
    }
    package static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: .json(value), detail: detail)
    }
    package static func invalid(_ field: String, verbatim: String, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: .verbatim(verbatim), detail: detail)
    }
    package static func typeInvalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(kind: .typeInvalid, field: field, value: .json(value), detail: detail)
    }
    package static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, value: .omitted, detail: detail)
    }
    package static func notSupported(_ field: String, _ value: JSONValue, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(GoFormat.quote).joined(separator: ", ")
        return FieldError(kind: .notSupported, field: field, value: .json(value), detail: detail)
    }
    /// `field.TooLongMaxLength`, which the CRD validator uses.
    package static func tooLong(_ field: String, maxLength: Int) -> FieldError {
        FieldError(kind: .tooLong, field: field, value: .omitted,
                   detail: maxLength >= 0 ? "may not be longer than \(maxLength)" : "value is too long")
    }
    package static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        FieldError(kind: .tooMany, field: field, value: actual >= 0 ? .json(.int(Int64(actual))) : .omitted,
                   detail: max >= 0 ? "must have at most \(max) items" : "has too many items")
    }
}

package extension [FieldError] {
    /// Go's `ErrorList.ToAggregate().Error()`: one message as is, several in brackets, duplicates once.
    var aggregateMessage: String {
        var seen = Set<String>()
        var messages: [String] = []
        for error in self where seen.insert(error.message).inserted {
            messages.append(error.message)
        }
        if messages.count == 1 { return messages[0] }
        return "[" + messages.joined(separator: ", ") + "]"
    }
}

/// Go's `fmt` verbs as kube uses them in messages: `%q` for strings, `%v` for numbers, and `%#v`
/// for maps and slices (so `map[string]interface {}{"a":1}` reads like kube's).
package enum GoFormat {
    /// `%q`: a double-quoted string with Go escapes.
    package static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%v` of a float64.
    package static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e21 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// A bad value as `field.Error.ErrorBody` prints it.
    package static func value(_ json: JSONValue) -> String {
        switch json {
        case .null: "\"null\""
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): number(value)
        case .string(let value): quote(value)
        case .array, .object: goSyntax(json)
        }
    }

    /// `%#v` of a value decoded from JSON into `interface{}`.
    package static func goSyntax(_ json: JSONValue, nested: Bool = false) -> String {
        switch json {
        case .null: return nested ? "interface {}(nil)" : "<nil>"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return number(value)
        case .string(let value): return quote(value)
        case .array(let items):
            return "[]interface {}{" + items.map { goSyntax($0, nested: true) }.joined(separator: ", ") + "}"
        case .object(let members):
            let parts = members.keys.sorted().map { quote($0) + ":" + goSyntax(members[$0]!, nested: true) }
            return "map[string]interface {}{" + parts.joined(separator: ", ") + "}"
        }
    }
}

extension Status {
    /// kube-apiserver's `Invalid` answer (422) for a list of field errors, with its causes.
    package static func invalid(kind: String, group: String, name: String, _ errors: [FieldError]) -> Status {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        var message = "\(qualifiedKind) \(GoFormat.quote(name)) is invalid"
        if !errors.isEmpty { message += ": " + errors.aggregateMessage }
        return Status(message: message, reason: .invalid,
                      details: StatusDetails(name: name, group: group, kind: kind, causes: errors.map(\.cause)),
                      code: 422)
    }
}
