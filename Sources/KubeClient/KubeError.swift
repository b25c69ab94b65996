import Foundation
import KubeAPI

/// Every failure of a `KubeClient` call. API errors keep the server's `Status` plus what was
/// asked and as whom; transport errors say which server could not be reached and why.
public enum KubeError: Error, Sendable {
    /// 404 for an object (or the namespace it would live in).
    case notFound(APIFailure)
    /// 404 for the resource type itself: the server does not serve it (CRD not installed, wrong apiVersion).
    case resourceNotServed(APIFailure)
    case alreadyExists(APIFailure)
    /// 409: the object changed since it was read (resourceVersion mismatch), or an apply conflict.
    case conflict(APIFailure)
    /// 422: the object failed validation; `failure.causes` name the fields.
    case invalid(APIFailure)
    case forbidden(APIFailure)
    case unauthorized(APIFailure)
    /// 410 Gone / `Expired`: the requested resourceVersion is older than the server's history.
    case gone(APIFailure)
    /// The server gave up (504, or `reason: Timeout`).
    case timeout(APIFailure)
    case badRequest(APIFailure)
    case other(APIFailure)
    /// No HTTP answer: connection refused, DNS, TLS, timeouts.
    case unreachable(TransportFailure)
    case config(KubeConfigError)
    case credentials(CredentialError)
    /// The server answered something this client cannot read.
    case invalidResponse(request: RequestDescription, server: String, problem: String)
    /// The call itself cannot be made (an object without a name for an update, ...): a bug in the caller.
    case invalidRequest(String)
    /// A watch event line exceeded the limit (a runaway object or a non-Kubernetes server).
    case watchLineTooLong(limit: Int, request: RequestDescription, server: String)

    /// The API failure of the API cases, nil otherwise.
    public var apiFailure: APIFailure? {
        switch self {
        case .notFound(let f), .resourceNotServed(let f), .alreadyExists(let f), .conflict(let f), .invalid(let f),
             .forbidden(let f), .unauthorized(let f), .gone(let f), .timeout(let f), .badRequest(let f), .other(let f):
            return f
        default:
            return nil
        }
    }

    public var status: Status? { apiFailure?.status }
    /// The HTTP status code of an API failure.
    public var code: Int? { apiFailure?.code }

    public var isNotFound: Bool { if case .notFound = self { true } else { false } }
    public var isAlreadyExists: Bool { if case .alreadyExists = self { true } else { false } }
    public var isConflict: Bool { if case .conflict = self { true } else { false } }
    public var isGone: Bool { if case .gone = self { true } else { false } }

    /// Worth retrying unchanged after a pause: the server or the network had a moment, not the request a flaw.
    public var isTransient: Bool {
        switch self {
        case .unreachable(let failure): return failure.isTransient
        case .timeout: return true
        case .other(let failure): return failure.code >= 500 || failure.code == 429
        default: return false
        }
    }

    /// Maps an HTTP error answer to its case.
    public static func from(code: Int, body: Data, request: RequestDescription, identity: ConnectionIdentity) -> KubeError {
        let status = Self.status(code: code, body: body)
        let failure = APIFailure(status: status, code: code, request: request, identity: identity)
        let reason = status.reason
        switch (code, reason) {
        case (404, _):
            // An object's 404 names it in `details`; a path the server does not route has none.
            let named = !(status.details?.name ?? "").isEmpty
            return named || (request.name == nil && request.verb == "create" && status.details?.kind == "namespaces")
                ? .notFound(failure) : .resourceNotServed(failure)
        case (_, .alreadyExists?): return .alreadyExists(failure)
        case (409, _), (_, .conflict?): return .conflict(failure)
        case (422, _), (_, .invalid?): return .invalid(failure)
        case (403, _): return .forbidden(failure)
        case (401, _): return .unauthorized(failure)
        case (410, _), (_, .gone?), (_, "Gone"?): return .gone(failure)
        case (504, _), (_, .timeout?): return .timeout(failure)
        case (400, _): return .badRequest(failure)
        default: return .other(failure)
        }
    }

    /// The body's `Status`, or one made up from the code when the body is not a Status
    /// (a proxy's HTML page, plain text from a non-Kubernetes server).
    static func status(code: Int, body: Data) -> Status {
        if let status = try? JSONDecoder().decode(Status.self, from: body), status.kind == "Status" {
            var status = status
            if status.code == nil { status.code = code }
            return status
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let reason: StatusReason? = switch code {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 410: .gone
        case 422: .invalid
        case 429: .tooManyRequests
        case 504: .timeout
        default: nil
        }
        return Status(message: text.isEmpty ? "HTTP \(code)" : text, reason: reason, code: code)
    }
}

/// An error answer of the API server, with the request and the identity it was made with.
public struct APIFailure: Sendable, Hashable {
    public var status: Status
    public var code: Int
    public var request: RequestDescription
    public var identity: ConnectionIdentity

    public var message: String { status.message ?? "HTTP \(code)" }
    /// Field-level causes of an Invalid (422) answer.
    public var causes: [StatusCause] { status.details?.causes ?? [] }
}
