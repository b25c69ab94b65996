import Foundation
import KubeAPI

/// The request each verb sends, shared by the typed and the untyped calls.
extension KubeClient {
    func getRequest(_ type: ResourceType, name: String, namespace: String?, subresource: String? = nil) -> KubeRequest {
        KubeRequest(method: .GET, verb: "get", resource: type, namespace: effectiveNamespace(type, namespace),
                    name: name, subresource: subresource)
    }

    func listRequest(_ type: ResourceType, namespace: String?, options: ListOptions) -> KubeRequest {
        KubeRequest(method: .GET, verb: "list", resource: type, namespace: effectiveNamespace(type, namespace),
                    name: nil, query: options.query)
    }

    func createRequest(_ type: ResourceType, _ object: JSONValue, namespace: String?) throws -> KubeRequest {
        let object = try Self.prepare(object, type)
        let target = object[path: ["metadata", "namespace"]]?.stringValue ?? namespace
        return KubeRequest(method: .POST, verb: "create", resource: type, namespace: effectiveNamespace(type, target),
                           name: nil, body: try object.jsonData())
    }

    func updateRequest(_ type: ResourceType, _ object: JSONValue, namespace: String?, subresource: String? = nil) throws -> KubeRequest {
        let object = try Self.prepare(object, type)
        let name = try Self.name(of: object, type, verb: "update")
        let target = object[path: ["metadata", "namespace"]]?.stringValue ?? namespace
        return KubeRequest(method: .PUT, verb: "update", resource: type, namespace: effectiveNamespace(type, target),
                           name: name, subresource: subresource, body: try object.jsonData())
    }

    func mergePatchRequest(_ type: ResourceType, name: String, namespace: String?, patch: JSONValue, subresource: String? = nil) throws -> KubeRequest {
        KubeRequest(method: .PATCH, verb: "patch", resource: type, namespace: effectiveNamespace(type, namespace),
                    name: name, subresource: subresource, body: try patch.jsonData(), contentType: "application/merge-patch+json")
    }

    /// Server-side apply: the body is JSON (a subset of YAML, which the content type names).
    func applyRequest(_ type: ResourceType, _ object: JSONValue, namespace: String?, fieldManager: String, force: Bool,
                      subresource: String? = nil) throws -> KubeRequest {
        let object = try Self.prepare(object, type)
        let name = try Self.name(of: object, type, verb: "apply")
        let target = object[path: ["metadata", "namespace"]]?.stringValue ?? namespace
        var query: [(name: String, value: String)] = [("fieldManager", fieldManager)]
        if force { query.append(("force", "true")) }
        return KubeRequest(method: .PATCH, verb: "patch", resource: type, namespace: effectiveNamespace(type, target),
                           name: name, subresource: subresource, query: query, body: try object.jsonData(),
                           contentType: "application/apply-patch+yaml")
    }

    func deleteRequest(_ type: ResourceType, name: String, namespace: String?, options: DeleteOptions) throws -> KubeRequest {
        KubeRequest(method: .DELETE, verb: "delete", resource: type, namespace: effectiveNamespace(type, namespace),
                    name: name, body: options.isEmpty ? nil : try options.body.jsonData())
    }

    /// Fills in `apiVersion` and `kind` from the type when the object left them out.
    static func prepare(_ object: JSONValue, _ type: ResourceType) throws -> JSONValue {
        guard object.objectValue != nil else {
            throw KubeError.invalidRequest("a \(type.kind) must be a JSON object, not \(object.typeName)")
        }
        var object = object
        if object["apiVersion"]?.stringValue?.isEmpty ?? true { object["apiVersion"] = .string(type.apiVersion) }
        if object["kind"]?.stringValue?.isEmpty ?? true { object["kind"] = .string(type.kind) }
        return object
    }

    static func name(of object: JSONValue, _ type: ResourceType, verb: String) throws -> String {
        guard let name = object[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            throw KubeError.invalidRequest("cannot \(verb) a \(type.kind) without metadata.name")
        }
        return name
    }

    static func encode<T: KubeResource>(_ object: T) throws -> JSONValue {
        do {
            return try JSONValue(encoding: object)
        } catch {
            throw KubeError.invalidRequest("cannot encode \(T.self): \(error)")
        }
    }

    /// Follows `continue` tokens to the end. If a token expires midway (410), the listing starts
    /// over once, because pages of different snapshots must not be mixed.
    func collectPages<Item>(_ type: ResourceType, namespace: String?, options: ListOptions,
                            page: (KubeRequest) async throws -> (items: [Item], metadata: ListMeta)) async throws -> (items: [Item], resourceVersion: String?) {
        var restarted = false
        while true {
            var items: [Item] = []
            var options = options
            options.continueToken = nil
            do {
                while true {
                    let (pageItems, metadata) = try await page(listRequest(type, namespace: namespace, options: options))
                    items += pageItems
                    guard let token = metadata.continue, !token.isEmpty else {
                        return (items, metadata.resourceVersion)
                    }
                    options.continueToken = token
                }
            } catch let error as KubeError where error.isGone && !restarted && options.continueToken != nil {
                restarted = true
                logger.debug("continue token expired; listing again from the start", metadata: ["resource": "\(type)"])
            }
        }
    }
}
