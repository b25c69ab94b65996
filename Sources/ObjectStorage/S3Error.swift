/// What went wrong talking to an S3 server, said so that a person knows what to fix. Built from
/// the server's own error code where there is one (`<Error><Code>`).
public enum S3Error: Error, Equatable, CustomStringConvertible {
    case invalidEndpoint(String)
    /// A setting that cannot work (a CA bundle that is no PEM, a key of the wrong size).
    case invalidConfiguration(String)
    /// InvalidAccessKeyId, SignatureDoesNotMatch: the key pair is wrong.
    case wrongCredentials(what: String, code: String, message: String)
    case noSuchBucket(what: String, bucket: String)
    case accessDenied(what: String, message: String)
    /// RequestTimeTooSkewed: this machine's clock is off by more than 15 minutes.
    case clockSkew(what: String, message: String)
    case notFound(what: String)
    /// BadDigest, InvalidDigest, XAmzContentSHA256Mismatch: what arrived is not what was sent.
    case corruptUpload(what: String, code: String, message: String)
    case server(what: String, status: Int, code: String, message: String)
    /// An SSE-C object read without its key, or with another.
    case encryptionKey(what: String, message: String)
    /// No answer: refused, reset, timed out.
    case transport(what: String, reason: String)
    case unexpected(what: String, reason: String)

    /// Worth another try: the server's trouble or the network's, not ours.
    public var isRetryable: Bool {
        switch self {
        case .transport, .corruptUpload: true
        case .server(_, let status, let code, _): status >= 500 || code == "SlowDown" || code == "RequestTimeout"
        default: false
        }
    }

    public var description: String {
        switch self {
        case .invalidEndpoint(let endpoint):
            "'\(endpoint)' is not an S3 endpoint: give an http:// or https:// URL with a host, like https://s3.example.com"
        case .invalidConfiguration(let problem):
            problem
        case .wrongCredentials(let what, let code, let message):
            "\(what): the S3 server refused the access key or secret key (\(code): \(message)); check the credentials Secret"
        case .noSuchBucket(let what, let bucket):
            "\(what): bucket '\(bucket)' does not exist on this S3 server; create it, or name an existing one"
        case .accessDenied(let what, let message):
            "\(what): access denied (\(message)); the key needs s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket and s3:AbortMultipartUpload on the bucket (docs/backup.md)"
        case .clockSkew(let what, let message):
            "\(what): the S3 server says this machine's clock is too far off (\(message)); fix the node's time (NTP)"
        case .notFound(let what):
            "\(what): no such object"
        case .corruptUpload(let what, let code, let message):
            "\(what): the server received something other than what was sent (\(code): \(message))"
        case .server(let what, let status, let code, let message):
            "\(what): the S3 server answered \(status)\(code.isEmpty ? "" : " \(code)")\(message.isEmpty ? "" : ": \(message)")"
        case .encryptionKey(let what, let message):
            "\(what): the object is encrypted with a customer key (SSE-C) that this request does not hold (\(message)); give the key it was written with (serverSideEncryption.customerKeySecret)"
        case .transport(let what, let reason) where reason.contains("handshakeFailed") || reason.contains("CERTIFICATE_VERIFY_FAILED"):
            "\(what): the S3 server's TLS certificate is not trusted (\(reason)); for a private endpoint give its CA bundle (caSecret)"
        case .transport(let what, let reason):
            "\(what): no answer from the S3 server (\(reason)); check the endpoint and the network to it"
        case .unexpected(let what, let reason):
            "\(what): the S3 server's answer cannot be read (\(reason))"
        }
    }

    /// The error for a failed request: the status and, when the body had one, the `<Error>`.
    static func from(status: Int, error: XMLTree.Element?, what: String) -> S3Error {
        let code = error?.value("Code") ?? ""
        let message = error?.value("Message") ?? ""
        switch code {
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
            return .wrongCredentials(what: what, code: code, message: message)
        case "NoSuchBucket":
            return .noSuchBucket(what: what, bucket: error?.value("BucketName") ?? "")
        case "AccessDenied":
            return .accessDenied(what: what, message: message)
        case "RequestTimeTooSkewed":
            return .clockSkew(what: what, message: message)
        case "NoSuchKey", "NoSuchUpload":
            return .notFound(what: what)
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch":
            return .corruptUpload(what: what, code: code, message: message)
        case "InvalidArgument", "InvalidRequest" where message.lowercased().contains("encryption") || message.contains("hash of the key"):
            return .encryptionKey(what: what, message: message)
        default:
            // A HEAD has no body: its status alone says it.
            switch status {
            case 404: return .notFound(what: what)
            case 403: return .accessDenied(what: what, message: "HTTP 403")
            default: return .server(what: what, status: status, code: code, message: message)
            }
        }
    }
}
