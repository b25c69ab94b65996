import Crypto
import Foundation

/// AWS Signature Version 4 for S3: pure functions over a request's parts and the time, no I/O.
/// Checked against the examples AWS publishes for S3 (Tests/ObjectStorageTests) and against
/// real servers.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// `x-amz-content-sha256` of a payload signed chunk by chunk (aws-chunked).
    public static let streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    public static let emptyPayloadHash = payloadHash(Data())

    /// `x-amz-content-sha256` of a payload sent whole: its hex SHA-256.
    public static func payloadHash(_ payload: Data) -> String { hex(SHA256.hash(data: payload)) }

    /// The keys. Printing them (a log line, an error's dump, a debugger's `po`) shows only the
    /// access key's first four characters: the secret key never leaves through a description.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        public var accessKey: String
        public var secretKey: String
        /// Temporary credentials' token (`x-amz-security-token`), nil for long-lived keys.
        public var sessionToken: String?

        public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }

        public var description: String { "credentials(access key \(accessKey.prefix(4))…, secret key redacted)" }
        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
    }

    /// What is signed: the method, the path as sent (already percent-encoded), the query, the
    /// headers (names in any case) and the payload's hex SHA-256 (or `streamingPayload`).
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var payloadHash: String

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The scope of a signature: the day, the region and the service.
    public struct Scope: Sendable, Hashable {
        public var date: Date
        public var region: String
        public var service: String = "s3"

        public init(date: Date, region: String, service: String = "s3") {
            self.date = date
            self.region = region
            self.service = service
        }

        /// `20130524T000000Z`
        public var amzDate: String { Self.format(date, "yyyyMMdd'T'HHmmss'Z'") }
        /// `20130524/us-east-1/s3/aws4_request`
        public var credentialScope: String { "\(Self.format(date, "yyyyMMdd"))/\(region)/\(service)/aws4_request" }

        static func format(_ date: Date, _ pattern: String) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = pattern
            return formatter.string(from: date)
        }
    }

    // MARK: - The steps, each public for the tests and the chunked signer

    /// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else
    /// `%XX` (upper case); `/` kept when `keepSlash` (an object key in a path).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Header names lower-cased and sorted, values trimmed with inner runs of spaces made one.
    static func canonicalHeaders(_ headers: [(String, String)]) -> [(String, String)] {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    public static func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        let encoded: [(name: String, value: String)] = request.query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { (left: (name: String, value: String), right: (name: String, value: String)) -> Bool in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        let query = sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headers = canonicalHeaders(request.headers)
        let signed = headers.map(\.0).joined(separator: ";")
        let text = [request.method, request.path.isEmpty ? "/" : request.path, query,
                    headers.map { "\($0.0):\($0.1)\n" }.joined(), signed, request.payloadHash].joined(separator: "\n")
        return (text, signed)
    }

    public static func stringToSign(canonicalRequest: String, scope: Scope) -> String {
        [algorithm, scope.amzDate, scope.credentialScope, hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    public static func signingKey(secretKey: String, scope: Scope) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretKey)".utf8))
        for part in [Scope.format(scope.date, "yyyyMMdd"), scope.region, scope.service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    public static func signature(_ text: String, key: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }

    /// The `Authorization` header's value for `request`, which must already carry `host`,
    /// `x-amz-date` (`scope.amzDate`) and `x-amz-content-sha256`; and the signature alone (the
    /// seed of a chunked upload).
    public static func authorization(_ request: Request, credentials: Credentials, scope: Scope) -> (header: String, signature: String) {
        let (canonical, signed) = canonicalRequest(request)
        let signature = signature(stringToSign(canonicalRequest: canonical, scope: scope),
                                  key: signingKey(secretKey: credentials.secretKey, scope: scope))
        return ("\(algorithm) Credential=\(credentials.accessKey)/\(scope.credentialScope), SignedHeaders=\(signed), Signature=\(signature)", signature)
    }

    /// The signature of one chunk of an aws-chunked payload, chained to the previous one (the
    /// seed's for the first; an empty chunk ends the payload).
    public static func chunkSignature(_ chunk: Data, previous: String, credentials: Credentials, scope: Scope) -> String {
        let text = ["AWS4-HMAC-SHA256-PAYLOAD", scope.amzDate, scope.credentialScope, previous, emptyPayloadHash,
                    hex(SHA256.hash(data: chunk))].joined(separator: "\n")
        return signature(text, key: signingKey(secretKey: credentials.secretKey, scope: scope))
    }

    /// One chunk as it goes on the wire: `hex(size);chunk-signature=SIG\r\nDATA\r\n`.
    public static func frame(_ chunk: Data, signature: String) -> Data {
        var out = Data("\(String(chunk.count, radix: 16));chunk-signature=\(signature)\r\n".utf8)
        out.append(chunk)
        out.append(Data("\r\n".utf8))
        return out
    }

    /// The wire length of an aws-chunked payload of `length` bytes cut into `chunkSize` chunks
    /// (`Content-Length`; `x-amz-decoded-content-length` is `length`).
    public static func chunkedLength(_ length: Int, chunkSize: Int) -> Int {
        func framed(_ size: Int) -> Int { String(size, radix: 16).count + ";chunk-signature=".count + 64 + 2 + size + 2 }
        let full = length / chunkSize
        let rest = length % chunkSize
        return full * framed(chunkSize) + (rest > 0 ? framed(rest) : 0) + framed(0)
    }

    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
