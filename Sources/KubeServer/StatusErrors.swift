import Foundation
import KubeAPI
import KubeSchema

/// Constructors for the `Status` objects kube-apiserver returns, with the same code, reason,
/// details and message wording (k8s.io/apimachinery/pkg/api/errors), so that a client tested
/// against this server handles a real cluster's errors the same way.
extension Status {
    static func notFound(_ resource: GroupResource, name: String) -> Status {
        Status(message: "\(resource) \(GoFormat.quote(name)) not found", reason: .notFound,
               details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 404)
    }

    static func alreadyExists(_ resource: GroupResource, name: String) -> Status {
        Status(message: "\(resource) \(GoFormat.quote(name)) already exists", reason: .alreadyExists,
               details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 409)
    }

    static func conflict(_ resource: GroupResource, name: String, _ reason: String) -> Status {
        Status(message: "Operation cannot be fulfilled on \(resource) \(GoFormat.quote(name)): \(reason)",
               reason: .conflict,
               details: StatusDetails(name: name, group: resource.group, kind: resource.resource), code: 409)
    }

    /// The optimistic-concurrency failure every controller retries on.
    static func modifiedConflict(_ resource: GroupResource, name: String) -> Status {
        conflict(resource, name: name,
                 "the object has been modified; please apply your changes to the latest version and try again")
    }

    static func forbidden(_ resource: GroupResource?, name: String, _ reason: String) -> Status {
        let message: String
        if let resource {
            message = name.isEmpty ? "\(resource) is forbidden: \(reason)"
                : "\(resource) \(GoFormat.quote(name)) is forbidden: \(reason)"
        } else {
            message = "forbidden: \(reason)"
        }
        return Status(message: message, reason: .forbidden,
                      details: StatusDetails(name: name.isEmpty ? nil : name, group: resource?.group, kind: resource?.resource),
                      code: 403)
    }

    static let unauthorized = Status(message: "Unauthorized", reason: .unauthorized, code: 401)

    static func badRequest(_ message: String) -> Status {
        Status(message: message, reason: .badRequest, code: 400)
    }

    /// The answer for any path nothing is served at.
    static let pathNotFound = Status(message: "the server could not find the requested resource", reason: .notFound,
                                     details: StatusDetails(), code: 404)

    static let methodNotAllowed = Status(message: "the server does not allow this method on the requested resource",
                                         reason: .methodNotAllowed, details: StatusDetails(), code: 405)

    static func methodNotAllowed(_ message: String) -> Status {
        Status(message: message, reason: .methodNotAllowed, details: StatusDetails(), code: 405)
    }

    static func unsupportedMediaType(_ contentType: String, accepted: [String]) -> Status {
        Status(message: "the body of the request was in an unknown format - accepted media types include: "
               + accepted.joined(separator: ", "), reason: .unsupportedMediaType, code: 415)
    }

    /// 410 Gone: a watch or list asked for history this server no longer has.
    static func expired(_ message: String) -> Status {
        Status(message: message, reason: .gone, code: 410)
    }

    static func tooOldResourceVersion(_ requested: Int64, oldest: Int64) -> Status {
        expired("too old resource version: \(requested) (\(oldest))")
    }

    /// A resourceVersion newer than anything this server has seen (kube waits 3 s, then says this).
    static func tooLargeResourceVersion(_ requested: Int64, current: Int64) -> Status {
        var details = StatusDetails(causes: [StatusCause(reason: "ResourceVersionTooLarge",
                                                         message: "Too large resource version", field: nil)])
        details.retryAfterSeconds = 1
        return Status(message: "Too large resource version: \(requested), current: \(current)", reason: .timeout,
                      details: details, code: 504)
    }

    static func internalError(_ message: String) -> Status {
        Status(message: message, reason: nil, code: 500)
    }

    static func requestEntityTooLarge(limit: Int) -> Status {
        Status(message: "Request entity too large: limit is \(limit)", reason: "RequestEntityTooLarge", code: 413)
    }

    /// `Status` with `status: Success`, as DELETE returns for most resources.
    static func deleted(_ resource: GroupResource, name: String, uid: String?) -> Status {
        var status = Status(status: "Success", message: "", reason: nil,
                            details: StatusDetails(name: name, group: resource.group, kind: resource.resource, uid: uid),
                            code: 0)
        status.message = nil
        status.code = nil
        return status
    }

    /// The JSON kube sends: the Status with an empty `metadata` (and `continue` when a list can go on).
    func jsonValue(continueToken: String? = nil) -> JSONValue {
        var value = (try? JSONValue(encoding: self)) ?? .object([:])
        var metadata: [String: JSONValue] = [:]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        value["metadata"] = .object(metadata)
        return value
    }
}

/// A failure inside request handling that should reach the client as this `Status`.
struct APIFailure: Error, Sendable {
    var status: Status
    /// Set on the 410 of a paginated list, so the client may continue inconsistently.
    var continueToken: String?

    init(_ status: Status, continueToken: String? = nil) {
        self.status = status
        self.continueToken = continueToken
    }
}
