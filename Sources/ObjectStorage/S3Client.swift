import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Where a bucket is: the endpoint (`https://s3.example.com:9000`), the bucket, the region the
/// signatures are scoped to, and whether the bucket is addressed in the path
/// (`https://host/bucket/key`, what most S3-compatible servers want) or in the host name
/// (`https://bucket.host/key`, AWS's default).
public struct S3Location: Sendable, Hashable {
    public var endpoint: String
    public var bucket: String
    public var region: String
    public var pathStyle: Bool

    public init(endpoint: String, bucket: String, region: String = "us-east-1", pathStyle: Bool = true) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
    }

    /// Whether `endpoint` is an http(s) URL with a host.
    public var isValid: Bool { parts != nil }

    /// The scheme, host and port of `endpoint`; nil when it is no http(s) URL.
    var parts: (scheme: String, host: String, port: Int?)? {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else { return nil }
        return (scheme, host, url.port)
    }
}

/// Server-side encryption of what a client writes. SSE-C's key goes with every request on an
/// object (its parts and every read too): the server keeps only the key's digest.
public enum S3Encryption: Sendable, Hashable {
    /// The server's own keys.
    case s3
    /// A 256-bit key of the user's.
    case customerKey(Data)

    enum Use { case write, part, read }

    func headers(_ use: Use) -> [(String, String)] {
        switch self {
        case .s3:
            return use == .write ? [("x-amz-server-side-encryption", "AES256")] : []
        case .customerKey(let key):
            return [("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                    ("x-amz-server-side-encryption-customer-key", key.base64EncodedString()),
                    ("x-amz-server-side-encryption-customer-key-MD5", Data(Insecure.MD5.hash(data: key)).base64EncodedString())]
        }
    }

    /// A customer key from a file's bytes: 32 raw bytes, or their base64 (what a Secret made
    /// from `openssl rand -base64 32` holds). nil for anything else.
    public static func customerKey(from bytes: Data) -> Data? {
        if bytes.count == 32 { return bytes }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decoded = Data(base64Encoded: text), decoded.count == 32 else { return nil }
        return decoded
    }
}

/// An object as a listing shows it.
public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var eTag: String
}

/// A small S3 client on AsyncHTTPClient: single objects (put, get streamed, head, delete),
/// listings, and multipart uploads. Every request is signed with SigV4 over its payload's
/// SHA-256, which the server checks against the body (a part damaged on the way is refused);
/// single puts send Content-MD5 too. Errors are `S3Error`s that say what to fix.
public struct S3Client: Sendable {
    public let location: S3Location
    let credentials: SigV4.Credentials
    let httpClient: HTTPClient
    let now: @Sendable () -> Date
    /// Bounds one request without a streamed body (a part's upload included).
    public var requestTimeout: Duration = .seconds(120)
    /// Server-side encryption of every object written; SSE-C's key also reads them.
    public var encryption: S3Encryption?

    /// A client configured for S3 servers: a connection that cannot be made fails within 5 s
    /// instead of being retried until the request's deadline (AsyncHTTPClient's default), so a
    /// server that is down is said at once and the store's own retries decide; a stalled read
    /// fails after 60 s.
    // No bundle to read: nothing can fail.
    public static let defaultHTTPClient = try! makeHTTPClient(trusting: nil)

    /// A client configured as `defaultHTTPClient` that also trusts the CAs of `authorityPEM` (a
    /// private endpoint's), one per bundle for the process's life, as `defaultHTTPClient` is: a
    /// store is built once per controller run, and an HTTPClient must never be dropped unshut.
    public static func sharedHTTPClient(trusting authorityPEM: [UInt8]) throws(S3Error) -> HTTPClient {
        try trustingClients.withLock { (clients: inout [[UInt8]: HTTPClient]) throws(S3Error) -> HTTPClient in
            if let client = clients[authorityPEM] { return client }
            let client = try makeHTTPClient(trusting: authorityPEM)
            clients[authorityPEM] = client
            return client
        }
    }

    private static let trustingClients = Mutex<[[UInt8]: HTTPClient]>([:])

    static func makeHTTPClient(trusting authorityPEM: [UInt8]?) throws(S3Error) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        configuration.connectionPool.retryConnectionEstablishment = false
        if let authorityPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(authorityPEM))]
            } catch {
                throw .invalidConfiguration("the CA bundle is not PEM certificates: \(error)")
            }
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public init(location: S3Location, credentials: SigV4.Credentials, httpClient: HTTPClient = S3Client.defaultHTTPClient,
                now: @escaping @Sendable () -> Date = { Date() }) throws(S3Error) {
        guard location.parts != nil else { throw .invalidEndpoint(location.endpoint) }
        self.location = location
        self.credentials = credentials
        self.httpClient = httpClient
        self.now = now
    }

    // MARK: - Objects

    public func putObject(_ key: String, _ body: Data, contentType: String = "application/octet-stream") async throws(S3Error) {
        _ = try await send("PUT", key: key, headers: [("Content-Type", contentType), ("Content-MD5", Self.md5(body))] + encrypting(.write),
                           body: body, what: "writing \(key)")
    }

    /// The object's size, ETag and server-side encryption (`AES256`, `aws:kms`; nil: none said);
    /// nil when there is no such object.
    public func headObject(_ key: String) async throws(S3Error) -> (size: Int64, eTag: String, encryption: String?)? {
        do {
            let response = try await send("HEAD", key: key, headers: encrypting(.read), what: "reading \(key)")
            let headers = response.headers
            return (Int64(headers.first(name: "Content-Length") ?? "") ?? 0, headers.first(name: "ETag") ?? "",
                    headers.first(name: "x-amz-server-side-encryption") ?? headers.first(name: "x-amz-server-side-encryption-customer-algorithm").map { "SSE-C \($0)" })
        } catch S3Error.notFound {
            return nil
        }
    }

    /// A small object whole (a record): refused above `limit` bytes.
    public func getObject(_ key: String, limit: Int = 16 << 20) async throws(S3Error) -> Data {
        let response = try await send("GET", key: key, headers: encrypting(.read), what: "reading \(key)", streaming: true)
        do {
            let body = try await response.body.collect(upTo: limit)
            return Data(body.readableBytesView)
        } catch {
            throw .transport(what: "reading \(key)", reason: "\(error)")
        }
    }

    /// The object chunk by chunk as it arrives (memory stays bounded whatever its size), from
    /// byte `offset` on.
    public func streamObject(_ key: String, from offset: Int64 = 0, _ consume: (ByteBuffer) async throws -> Void) async throws {
        let headers = (offset > 0 ? [("Range", "bytes=\(offset)-")] : []) + encrypting(.read)
        let response = try await send("GET", key: key, headers: headers, what: "reading \(key)", streaming: true)
        do {
            for try await chunk in response.body { try await consume(chunk) }
        } catch let error as S3Error {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw S3Error.transport(what: "reading \(key)", reason: "\(error)")
        }
    }

    public func deleteObject(_ key: String) async throws(S3Error) {
        _ = try await send("DELETE", key: key, what: "deleting \(key)")
    }

    /// Every object whose key starts with `prefix`, in key order (ListObjectsV2, page by page).
    public func listObjects(prefix: String) async throws(S3Error) -> [S3Object] {
        var objects: [S3Object] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let continuation { query.append(("continuation-token", continuation)) }
            let response = try await send("GET", key: nil, query: query, what: "listing \(prefix)*")
            let root = try Self.xml(response.body, what: "the listing of \(prefix)*")
            for entry in root.children("Contents") {
                guard let key = entry.value("Key") else { continue }
                objects.append(S3Object(key: key, size: Int64(entry.value("Size") ?? "") ?? 0, eTag: entry.value("ETag") ?? ""))
            }
            continuation = root.value("IsTruncated") == "true" ? root.value("NextContinuationToken") : nil
        } while continuation != nil
        return objects
    }

    /// Whether the bucket exists and these credentials may use it (HEAD bucket): what a
    /// configuration check asks before the first backup.
    public func checkBucket() async throws(S3Error) {
        _ = try await send("HEAD", key: nil, what: "checking bucket \(location.bucket)")
    }

    /// Creates the bucket (a test's or the playground's own server; a real store's bucket is
    /// made by its owner).
    public func createBucket() async throws(S3Error) {
        _ = try await send("PUT", key: nil, what: "creating bucket \(location.bucket)")
    }

    // MARK: - Multipart uploads

    public func createMultipartUpload(_ key: String, contentType: String = "application/octet-stream") async throws(S3Error) -> String {
        let response = try await send("POST", key: key, query: [("uploads", "")], headers: [("Content-Type", contentType)] + encrypting(.write),
                                      what: "starting the upload of \(key)")
        guard let id = try Self.xml(response.body, what: "the new upload of \(key)").value("UploadId"), !id.isEmpty else {
            throw .unexpected(what: "starting the upload of \(key)", reason: "the answer has no UploadId")
        }
        return id
    }

    /// Uploads part `number` (1 to 10,000); returns its ETag for the completion.
    public func uploadPart(_ key: String, uploadID: String, number: Int, _ body: Data) async throws(S3Error) -> String {
        // Its SHA-256 is signed and checked by the server (XAmzContentSHA256Mismatch): a second
        // digest (Content-MD5) over every part cost a tenth of the throughput (docs/benchmarks.md).
        let response = try await send("PUT", key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)],
                                      headers: encrypting(.part), body: body, what: "uploading part \(number) of \(key)")
        guard let eTag = response.headers.first(name: "ETag") else {
            throw .unexpected(what: "uploading part \(number) of \(key)", reason: "the answer has no ETag")
        }
        return eTag
    }

    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [(number: Int, eTag: String)]) async throws(S3Error) {
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(Self.escape($0.eTag))</ETag></Part>" }.joined()
        let body = Data("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\(list)</CompleteMultipartUpload>".utf8)
        let what = "completing the upload of \(key)"
        let response = try await send("POST", key: key, query: [("uploadId", uploadID)],
                                      headers: [("Content-Type", "application/xml"), ("Content-MD5", Self.md5(body))], body: body, what: what)
        // S3 may answer 200 and still have failed: the error is then in the body.
        let root = try Self.xml(response.body, what: what)
        if root.name == "Error" { throw S3Error.from(status: 200, error: root, what: what) }
    }

    /// The multipart uploads begun under `prefix` and neither completed nor aborted.
    public func listMultipartUploads(prefix: String) async throws(S3Error) -> [(key: String, uploadID: String, initiated: Date?)] {
        var uploads: [(key: String, uploadID: String, initiated: Date?)] = []
        var markers: (key: String, upload: String)?
        repeat {
            var query = [("uploads", ""), ("prefix", prefix)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.upload)] }
            let response = try await send("GET", key: nil, query: query, what: "listing the unfinished uploads under \(prefix)")
            let root = try Self.xml(response.body, what: "the unfinished uploads under \(prefix)")
            for upload in root.children("Upload") {
                guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
                uploads.append((key, id, upload.value("Initiated").flatMap(Self.parseDate)))
            }
            markers = root.value("IsTruncated") == "true"
                ? root.value("NextKeyMarker").map { ($0, root.value("NextUploadIdMarker") ?? "") } : nil
        } while markers != nil
        return uploads
    }

    /// S3's timestamps: ISO 8601 with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    public func abortMultipartUpload(_ key: String, uploadID: String) async throws(S3Error) {
        _ = try await send("DELETE", key: key, query: [("uploadId", uploadID)], what: "aborting the upload of \(key)")
    }

    // MARK: - Requests

    func encrypting(_ use: S3Encryption.Use) -> [(String, String)] { encryption?.headers(use) ?? [] }

    /// The URL path of `key` (or of the bucket) and the Host header.
    func address(_ key: String?) -> (url: String, path: String, host: String) {
        let (scheme, host, port) = location.parts!
        let hostHeader = port.map { "\(host):\($0)" } ?? host
        let encodedKey = key.map { SigV4.encode($0, keepSlash: true) }
        if location.pathStyle {
            let path = "/\(SigV4.encode(location.bucket))" + (encodedKey.map { "/\($0)" } ?? "")
            return ("\(scheme)://\(hostHeader)\(path)", path, hostHeader)
        }
        let path = "/" + (encodedKey ?? "")
        let virtualHost = "\(location.bucket).\(hostHeader)"
        return ("\(scheme)://\(virtualHost)\(path)", path, virtualHost)
    }

    func send(_ method: String, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
              body: Data? = nil, what: String, streaming: Bool = false) async throws(S3Error) -> StreamedResponse {
        let (url, path, host) = address(key)
        let scope = SigV4.Scope(date: now(), region: location.region)
        let payloadHash = SigV4.payloadHash(body ?? Data())
        var headers = [("Host", host), ("x-amz-date", scope.amzDate), ("x-amz-content-sha256", payloadHash)] + extra
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        let authorization = SigV4.authorization(SigV4.Request(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash),
                                                credentials: credentials, scope: scope).header
        // A subresource (`?uploads`) goes bare; the signature's canonical form has `uploads=`.
        let queryString = query.map { SigV4.encode($0.0) + ($0.1.isEmpty && $0.0 == "uploads" ? "" : "=" + SigV4.encode($0.1)) }.joined(separator: "&")
        var request = HTTPClientRequest(url: queryString.isEmpty ? url : "\(url)?\(queryString)")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.add(name: "Authorization", value: authorization)
        if let body {
            // Streamed in slices of 256 KiB as the connection takes them, never copied whole into
            // the channel's buffers: a part's memory is counted once (docs/benchmarks.md).
            request.body = .stream(DataSlices(data: body), length: .known(Int64(body.count)))
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000))
        } catch {
            throw .transport(what: what, reason: "\(error)")
        }
        let status = Int(response.status.code)
        if (200..<300).contains(status) {
            if streaming || method == "HEAD" { return StreamedResponse(status: status, headers: response.headers, body: response.body) }
            let data = try await Self.collect(response.body, what: what)
            return StreamedResponse(status: status, headers: response.headers, collected: data)
        }
        let data = method == "HEAD" ? Data() : ((try? await Self.collect(response.body, what: what)) ?? Data())
        let error = (try? XMLTree.parse(data)).flatMap { $0.name == "Error" ? $0 : nil }
        throw S3Error.from(status: status, error: error, what: what)
    }

    /// A response whose body is collected (most) or left to stream (object reads).
    struct StreamedResponse {
        var status: Int
        var headers: HTTPHeaders
        var body: StreamedBody

        init(status: Int, headers: HTTPHeaders, body: HTTPClientResponse.Body) {
            self.status = status
            self.headers = headers
            self.body = StreamedBody(stream: body, collected: nil)
        }

        init(status: Int, headers: HTTPHeaders, collected: Data) {
            self.status = status
            self.headers = headers
            self.body = StreamedBody(stream: nil, collected: collected)
        }
    }

    struct StreamedBody: AsyncSequence {
        typealias Element = ByteBuffer
        let stream: HTTPClientResponse.Body?
        let collected: Data?

        func makeAsyncIterator() -> HTTPClientResponse.Body.AsyncIterator {
            (stream ?? HTTPClientResponse.Body.bytes(ByteBuffer(bytes: collected ?? Data()))).makeAsyncIterator()
        }

        func collect(upTo limit: Int) async throws -> ByteBuffer {
            if let collected { return ByteBuffer(bytes: collected) }
            return try await stream!.collect(upTo: limit)
        }
    }

    static func collect(_ body: HTTPClientResponse.Body, what: String) async throws(S3Error) -> Data {
        do {
            let buffer = try await body.collect(upTo: 16 << 20)
            return Data(buffer.readableBytesView)
        } catch {
            throw .transport(what: what, reason: "\(error)")
        }
    }

    static func xml(_ body: StreamedBody, what: String) throws(S3Error) -> XMLTree.Element {
        do {
            return try XMLTree.parse(body.collected ?? Data())
        } catch {
            throw .unexpected(what: what, reason: "\(error)")
        }
    }

    static func md5(_ data: Data) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A Data as ByteBuffers of at most 256 KiB, one at a time: a request body that AsyncHTTPClient
/// pulls only as fast as the connection writes.
struct DataSlices: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let data: Data
    static let slice = 256 << 10

    struct AsyncIterator: AsyncIteratorProtocol {
        let data: Data
        var offset: Int

        mutating func next() async -> ByteBuffer? {
            guard offset < data.endIndex else { return nil }
            let end = Swift.min(offset + DataSlices.slice, data.endIndex)
            defer { offset = end }
            return ByteBuffer(bytes: data[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, offset: data.startIndex) }
}
