import Foundation
import KubeAPI

/// The `status` subresource: where controllers report, separate from the `spec` users write.
extension KubeClient {
    public func getStatus<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws -> T {
        let request = getRequest(T.resourceType, name: name, namespace: namespace, subresource: "status")
        return try decode(T.self, from: try await send(request), request)
    }

    /// PUT to `/status`: the server stores only the status of `object` (and checks its resourceVersion).
    public func updateStatus<T: KubeResource>(_ object: T, namespace: String? = nil) async throws -> T {
        let request = try updateRequest(T.resourceType, try Self.encode(object), namespace: namespace, subresource: "status")
        return try decode(T.self, from: try await send(request), request)
    }

    /// Merge patch on `/status`, e.g. `["status": ["phase": "Green"]]`.
    public func patchStatus<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil, patch: JSONValue) async throws -> T {
        let request = try mergePatchRequest(T.resourceType, name: name, namespace: namespace, patch: patch, subresource: "status")
        return try decode(T.self, from: try await send(request), request)
    }
}
