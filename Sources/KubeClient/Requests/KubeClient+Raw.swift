import Foundation
import KubeAPI

/// Untyped calls on any `ResourceType` with `JSONValue` objects: for kinds without a Swift
/// model (the CLI applies CRDs and prints whatever the server has).
extension KubeClient {
    public func getRaw(_ type: ResourceType, name: String, namespace: String? = nil, subresource: String? = nil) async throws -> JSONValue {
        let request = getRequest(type, name: name, namespace: namespace, subresource: subresource)
        return try parse(try await send(request), request)
    }

    /// One page; the list's `items` carry `apiVersion` and `kind` like the objects of a get.
    public func listRaw(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> JSONValue {
        let request = listRequest(type, namespace: namespace, options: options)
        var list = try parse(try await send(request), request)
        if let items = list["items"]?.arrayValue {
            list["items"] = .array(items.map { (try? Self.prepare($0, type)) ?? $0 })
        }
        return list
    }

    /// Every item, following `continue` tokens.
    public func listAllRaw(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> [JSONValue] {
        try await listAllRawWithVersion(type, namespace: namespace, options: options).items
    }

    func listAllRawWithVersion(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> (items: [JSONValue], resourceVersion: String?) {
        try await collectPages(type, namespace: namespace, options: options) { request in
            let list = try parse(try await send(request), request)
            let metadata = (try? list["metadata"].map { try $0.decode(as: ListMeta.self) }) ?? nil
            let items = (list["items"]?.arrayValue ?? []).map { (try? Self.prepare($0, type)) ?? $0 }
            return (items, metadata ?? ListMeta())
        }
    }

    public func createRaw(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil) async throws -> JSONValue {
        let request = try createRequest(type, object, namespace: namespace)
        return try parse(try await send(request), request)
    }

    /// PUT: replaces the object; a stale `metadata.resourceVersion` gives `KubeError.conflict`.
    public func updateRaw(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil, subresource: String? = nil) async throws -> JSONValue {
        let request = try updateRequest(type, object, namespace: namespace, subresource: subresource)
        return try parse(try await send(request), request)
    }

    public func mergePatchRaw(_ type: ResourceType, name: String, namespace: String? = nil, patch: JSONValue,
                              subresource: String? = nil) async throws -> JSONValue {
        let request = try mergePatchRequest(type, name: name, namespace: namespace, patch: patch, subresource: subresource)
        return try parse(try await send(request), request)
    }

    /// Server-side apply of `object` as `fieldManager`; `force` takes over fields other managers own.
    public func applyRaw(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil, fieldManager: String,
                         force: Bool = false, subresource: String? = nil) async throws -> JSONValue {
        let request = try applyRequest(type, object, namespace: namespace, fieldManager: fieldManager, force: force, subresource: subresource)
        return try parse(try await send(request), request)
    }

    /// Returns what the server answered: the object (still present while finalizers run) or a `Status`.
    @discardableResult
    public func deleteRaw(_ type: ResourceType, name: String, namespace: String? = nil,
                          options: DeleteOptions = DeleteOptions()) async throws -> JSONValue {
        let request = try deleteRequest(type, name: name, namespace: namespace, options: options)
        let data = try await send(request)
        return data.isEmpty ? .null : try parse(data, request)
    }
}
