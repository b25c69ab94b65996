import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
@testable import KubeServer

/// A minimal HTTPS client for the tests: raw requests, JSON in and out, and watch streams
/// read line by line. Deliberately independent of the project's KubeClient.
final class TestClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    let token: String?

    init(server: LocalKubeServer, token: String? = nil, certificate: ClientCertificate? = nil,
         trustedCAPEM: String? = nil) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array((trustedCAPEM ?? server.caCertificatePEM).utf8),
                                                              format: .pem)])
        if let certificate {
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(certificate.certificatePEM.utf8), format: .pem))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.keyPEM.utf8), format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        baseURL = server.url.absoluteString
        self.token = token
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    struct Response {
        var code: Int
        var body: JSONValue
        var text: String
        var headers: HTTPHeaders
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil, raw: String? = nil,
              contentType: String = "application/json", headers: [(String, String)] = [],
              timeout: TimeAmount = .seconds(30)) async throws -> Response {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.body = .bytes(ByteBuffer(bytes: try json.jsonData()))
            request.headers.add(name: "Content-Type", value: contentType)
        } else if let raw {
            request.body = .bytes(ByteBuffer(string: raw))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        let response = try await http.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let text = String(buffer: buffer)
        let body = (try? JSONValue.parse(Data(text.utf8))) ?? .null
        return Response(code: Int(response.status.code), body: body, text: text, headers: response.headers)
    }

    func get(_ path: String) async throws -> Response { try await send(.GET, path) }
    func post(_ path: String, _ json: JSONValue) async throws -> Response { try await send(.POST, path, json: json) }
    func put(_ path: String, _ json: JSONValue) async throws -> Response { try await send(.PUT, path, json: json) }
    func delete(_ path: String, _ json: JSONValue? = nil) async throws -> Response { try await send(.DELETE, path, json: json) }
    func mergePatch(_ path: String, _ json: JSONValue) async throws -> Response {
        try await send(.PATCH, path, json: json, contentType: "application/merge-patch+json")
    }
    func apply(_ path: String, yaml: String) async throws -> Response {
        try await send(.PATCH, path, raw: yaml, contentType: "application/apply-patch+yaml")
    }

    /// Opens a watch and returns its event stream (an error ends it when the connection breaks).
    func watch(_ path: String) async throws -> WatchStream {
        var request = HTTPClientRequest(url: baseURL + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await http.execute(request, timeout: .seconds(60))
        return WatchStream(code: Int(response.status.code), body: response.body)
    }
}

/// The lines of a watch response, decoded.
struct WatchStream: AsyncSequence {
    typealias Element = WatchEvent
    let code: Int
    let body: HTTPClientResponse.Body

    struct WatchEvent: Sendable {
        var type: String
        var object: JSONValue
        var resourceVersion: String { object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
        var name: String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var pending = Data()

        mutating func next() async throws -> WatchEvent? {
            while true {
                if let newline = pending.firstIndex(of: 0x0a) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[pending.index(after: newline)...])
                    if line.isEmpty { continue }
                    let json = try JSONValue.parse(Data(line))
                    return WatchEvent(type: json["type"]?.stringValue ?? "", object: json["object"] ?? .null)
                }
                guard let chunk = try await chunks.next() else { return nil }
                pending.append(contentsOf: chunk.readableBytesView)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: body.makeAsyncIterator()) }
}

/// Starts a server and an admin client, runs `body`, and always shuts both down.
func withServer(_ configure: (inout KubeServerConfiguration) -> Void = { _ in },
                _ body: (LocalKubeServer, TestClient) async throws -> Void) async throws {
    var configuration = KubeServerConfiguration()
    configure(&configuration)
    var logger = Logger(label: "kube-server-test")
    logger.logLevel = .warning
    let server = try await LocalKubeServer.start(configuration, logger: logger)
    let client: TestClient
    do {
        client = try TestClient(server: server, token: server.adminToken)
    } catch {
        await server.shutdown()
        throw error
    }
    do {
        try await body(server, client)
    } catch {
        await server.shutdown()
        await client.shutdown()
        throw error
    }
    // The server first: it ends open watches, so the client need not wait for them.
    await server.shutdown()
    await client.shutdown()
}

/// Polls until `condition` holds (controllers act after requests return), up to `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A CustomResourceDefinition shaped like the project's QiniuMySQL, with a status subresource.
enum Fixtures {
    static let crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    static let mysqlPath = "/apis/mysql.qiniu.com/v1alpha1/namespaces/default/qiniumysqls"

    static let qiniuMySQLCRD: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "qiniumysqls.mysql.qiniu.com"],
        "spec": [
            "group": "mysql.qiniu.com", "scope": "Namespaced",
            "names": ["plural": "qiniumysqls", "singular": "qiniumysql", "kind": "QiniuMySQL",
                      "listKind": "QiniuMySQLList", "shortNames": ["qmysql"], "categories": ["all"]],
            "versions": [[
                "name": "v1alpha1", "served": true, "storage": true,
                "subresources": ["status": [:]],
                "additionalPrinterColumns": [["name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"]],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": [
                            "type": "object", "required": ["storage"],
                            "properties": [
                                "replicas": ["type": "integer", "enum": [1, 3, 5, 7, 9], "default": 3],
                                "flavor": ["type": "string", "enum": ["MariaDB", "Percona"], "default": "MariaDB"],
                                "storage": ["type": "string", "minLength": 1, "pattern": "^[0-9]+(Mi|Gi)$"],
                                "backupTime": ["type": "string", "maxLength": 20],
                                "reservedDays": ["type": "integer", "minimum": 1, "maximum": 365],
                                "options": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            ],
                        ],
                        "status": [
                            "type": "object",
                            "properties": [
                                "phase": ["type": "string"],
                                "readyNodes": ["type": "integer"],
                            ],
                        ],
                    ],
                ]],
            ]],
        ],
    ]

    static func mysql(_ name: String, spec: JSONValue = ["storage": "10Gi"]) -> JSONValue {
        ["apiVersion": "mysql.qiniu.com/v1alpha1", "kind": "QiniuMySQL", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func configMap(_ name: String, data: JSONValue = ["a": "1"], labels: JSONValue? = nil) -> JSONValue {
        var object: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": data]
        if let labels { object[path: ["metadata", "labels"]] = labels }
        return object
    }

    /// Creates the CRD and waits until it is Established and served.
    static func installCRD(_ client: TestClient) async throws {
        let created = try await client.post(crdPath, qiniuMySQLCRD)
        #expect(created.code == 201, "\(created.text)")
        let established = try await eventually {
            let crd = try await client.get("\(crdPath)/qiniumysqls.mysql.qiniu.com")
            let conditions = crd.body[path: ["status", "conditions"]]?.arrayValue ?? []
            return conditions.contains { $0["type"] == "Established" && $0["status"] == "True" }
        }
        #expect(established)
    }
}
