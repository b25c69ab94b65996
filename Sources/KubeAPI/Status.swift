/// The `Status` object the API server returns for every failure (and for some deletes).
/// Its `reason` and `code` are what clients branch on, so the local server must produce the
/// same pairs as kube-apiserver, and the client maps them to typed errors.
public struct Status: Codable, Sendable, Hashable, Error {
    public var kind: String = "Status"
    public var apiVersion: String = "v1"
    public var status: String?  // "Success" or "Failure"
    public var message: String?
    public var reason: StatusReason?
    public var details: StatusDetails?
    public var code: Int?

    public init(status: String = "Failure", message: String, reason: StatusReason?, details: StatusDetails? = nil, code: Int) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }
}

public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?

    public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil, causes: [StatusCause]? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
    }
}

public struct StatusCause: Codable, Sendable, Hashable {
    /// `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, ...
    public var reason: String?
    public var message: String?
    /// The JSON path of the field, like `spec.replicas`.
    public var field: String?

    public init(reason: String?, message: String?, field: String?) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// The reasons kube-apiserver uses (k8s.io/apimachinery/pkg/apis/meta/v1 `StatusReason`).
public struct StatusReason: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let notFound: StatusReason = "NotFound"
    public static let alreadyExists: StatusReason = "AlreadyExists"
    public static let conflict: StatusReason = "Conflict"
    public static let invalid: StatusReason = "Invalid"
    public static let forbidden: StatusReason = "Forbidden"
    public static let unauthorized: StatusReason = "Unauthorized"
    public static let gone: StatusReason = "Expired"
    public static let timeout: StatusReason = "Timeout"
    public static let badRequest: StatusReason = "BadRequest"
    public static let methodNotAllowed: StatusReason = "MethodNotAllowed"
    public static let unsupportedMediaType: StatusReason = "UnsupportedMediaType"
    public static let internalError: StatusReason = "InternalError"
    public static let tooManyRequests: StatusReason = "TooManyRequests"
}
