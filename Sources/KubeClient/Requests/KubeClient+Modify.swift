import Foundation
import KubeAPI

/// Read-modify-write that never drops fields the Swift model does not know: the change is
/// computed on the typed model, turned into a merge patch, applied to the raw object as read,
/// and written back with PUT and the resourceVersion that was read.
extension KubeClient {
    /// Reads `name`, lets `change` edit it, and writes the result if anything changed. With
    /// `retryOnConflict > 0`, a concurrent change (409) starts over from a fresh read that many
    /// times. Returns the object as stored.
    public func modify<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil, retryOnConflict: Int = 0,
                                        _ change: (inout T) async throws -> Void) async throws -> T {
        try await readModifyWrite(type, name: name, namespace: namespace, subresource: nil, retryOnConflict: retryOnConflict, change)
    }

    /// `modify` through the status subresource: only `status` changes are stored.
    public func modifyStatus<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil, retryOnConflict: Int = 0,
                                              _ change: (inout T) async throws -> Void) async throws -> T {
        try await readModifyWrite(type, name: name, namespace: namespace, subresource: "status", retryOnConflict: retryOnConflict, change)
    }

    private func readModifyWrite<T: KubeResource>(_ type: T.Type, name: String, namespace: String?, subresource: String?,
                                                  retryOnConflict: Int, _ change: (inout T) async throws -> Void) async throws -> T {
        var attempts = 0
        while true {
            let getRequest = getRequest(T.resourceType, name: name, namespace: namespace, subresource: subresource)
            let raw = try parse(try await send(getRequest), getRequest)
            let before: T
            do {
                before = try raw.decode(as: T.self)
            } catch {
                throw KubeError.invalidResponse(request: getRequest.description, server: serverURL,
                                                problem: "cannot decode \(T.self): \(Self.describe(error))")
            }
            var after = before
            try await change(&after)
            guard let patch = MergePatch.diff(from: try Self.encode(before), to: try Self.encode(after)) else {
                return before  // nothing changed: no write
            }
            var updated = MergePatch.apply(patch, to: raw)
            // The write must be conditional on the version that was read, whatever the change did.
            updated[path: ["metadata", "resourceVersion"]] = raw[path: ["metadata", "resourceVersion"]]
            let request = try updateRequest(T.resourceType, updated, namespace: namespace, subresource: subresource)
            do {
                return try decode(T.self, from: try await send(request), request)
            } catch let error as KubeError where error.isConflict && attempts < retryOnConflict {
                attempts += 1
                logger.debug("conflict on read-modify-write; reading again", metadata: ["object": "\(request.description.object)", "attempt": "\(attempts)"])
            }
        }
    }
}
