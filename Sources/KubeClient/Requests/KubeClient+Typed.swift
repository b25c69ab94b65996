import Foundation
import KubeAPI

/// Typed calls on `KubeResource` models. `namespace: nil` means the client's default namespace
/// (ignored for cluster-scoped kinds); for objects, `metadata.namespace` wins when set.
extension KubeClient {
    public func get<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws -> T {
        let request = getRequest(T.resourceType, name: name, namespace: namespace)
        return try decode(T.self, from: try await send(request), request)
    }

    /// One page of objects; pass `options.limit` and then `options.continueToken` to page.
    public func list<T: KubeResource>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> KubeList<T> {
        let request = listRequest(T.resourceType, namespace: namespace, options: options)
        return try decode(KubeList<T>.self, from: try await send(request), request)
    }

    /// Every object, following `continue` tokens to the end.
    public func listAll<T: KubeResource>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> [T] {
        try await listAllWithVersion(type, namespace: namespace, options: options).items
    }

    func listAllWithVersion<T: KubeResource>(_ type: T.Type, namespace: String?, options: ListOptions) async throws -> (items: [T], resourceVersion: String?) {
        try await collectPages(T.resourceType, namespace: namespace, options: options) { request in
            let list = try decode(KubeList<T>.self, from: try await send(request), request)
            return (list.items, list.metadata)
        }
    }

    public func create<T: KubeResource>(_ object: T, namespace: String? = nil) async throws -> T {
        let request = try createRequest(T.resourceType, try Self.encode(object), namespace: namespace)
        return try decode(T.self, from: try await send(request), request)
    }

    /// PUT with the object's `metadata.resourceVersion`: if someone changed the object since it
    /// was read this throws `KubeError.conflict`. Fields the model does not know are lost on
    /// the server; prefer `modify` for objects others write too.
    public func update<T: KubeResource>(_ object: T, namespace: String? = nil) async throws -> T {
        let request = try updateRequest(T.resourceType, try Self.encode(object), namespace: namespace)
        return try decode(T.self, from: try await send(request), request)
    }

    /// JSON merge patch (RFC 7386): objects merge, `null` deletes, lists are replaced whole.
    public func mergePatch<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil, patch: JSONValue) async throws -> T {
        let request = try mergePatchRequest(T.resourceType, name: name, namespace: namespace, patch: patch)
        return try decode(T.self, from: try await send(request), request)
    }

    /// Server-side apply: the server merges `object` into what is stored and records
    /// `fieldManager` as owner of the fields it sets. `force` takes fields over from other managers
    /// (otherwise such a field gives `KubeError.conflict`).
    public func apply<T: KubeResource>(_ object: T, namespace: String? = nil, fieldManager: String, force: Bool = false) async throws -> T {
        let request = try applyRequest(T.resourceType, try Self.encode(object), namespace: namespace, fieldManager: fieldManager, force: force)
        return try decode(T.self, from: try await send(request), request)
    }

    public func delete<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()) async throws {
        try await deleteRaw(T.resourceType, name: name, namespace: namespace, options: options)
    }
}
