import Foundation
import KubeAPI
import NIOHTTP1

/// One HTTP request to the API server, before credentials are added.
struct KubeRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var query: [(name: String, value: String)] = []
    var body: Data?
    var contentType: String?
    var description: RequestDescription

    init(method: HTTPMethod, verb: String, resource: ResourceType?, namespace: String?, name: String?,
         subresource: String? = nil, query: [(name: String, value: String)] = [], body: Data? = nil, contentType: String? = nil) {
        let encodedNamespace = namespace.flatMap { $0.isEmpty ? nil : Self.escapePath($0) }
        let path = resource?.path(namespace: encodedNamespace, name: name.map(Self.escapePath), subresource: subresource) ?? ""
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.description = RequestDescription(verb: verb, resource: resource, namespace: resource?.namespaced == false ? nil : namespace,
                                              name: name, subresource: subresource, method: method.rawValue, path: path)
    }

    /// A request to a path outside resource collections (`/version`).
    init(get path: String) {
        self.method = .GET
        self.path = path
        self.description = RequestDescription(verb: "get", resource: nil, namespace: nil, name: nil, method: "GET", path: path)
    }

    /// `path?query`, with the query percent-encoded strictly (selectors contain `=`, `,`, `!`, `+`).
    var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.escapeQuery($0.name))=\(Self.escapeQuery($0.value))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    private static let pathSafe = unreserved.union(CharacterSet(charactersIn: ":@"))

    static func escapeQuery(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func escapePath(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: pathSafe) ?? text
    }
}
