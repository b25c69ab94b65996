import Foundation
import KubeAPI

extension KubeClient {
    /// Watches objects of `type`: first a `.snapshot` of the current objects, then their changes,
    /// surviving dropped connections and expired history (see `WatchEvent.snapshot`). The stream
    /// ends with an error only for problems a retry cannot fix (403, an unserved resource, an
    /// undecodable object); stop watching by cancelling the consuming task or leaving the loop.
    /// `namespace: KubeClient.allNamespaces` watches every namespace.
    public func watch<T: KubeResource>(_ type: T.Type, namespace: String? = nil,
                                       options: WatchOptions = WatchOptions()) -> AsyncThrowingStream<WatchEvent<T>, Error> {
        let resource = T.resourceType
        let namespace = effectiveNamespace(resource, namespace)
        let listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.pageSize)
        let loop = WatchLoop<T>(
            client: self, type: resource, namespace: namespace, options: options,
            list: { [self] in try await self.listAllWithVersion(T.self, namespace: namespace, options: listOptions) },
            decodeEvent: { line, _ in try JSONDecoder().decode(WatchLine<T>.self, from: line).object })
        return Self.stream(running: loop)
    }

    /// `watch` for any resource type, with raw JSON objects.
    public func watchRaw(_ type: ResourceType, namespace: String? = nil,
                         options: WatchOptions = WatchOptions()) -> AsyncThrowingStream<WatchEvent<JSONValue>, Error> {
        let namespace = effectiveNamespace(type, namespace)
        let listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.pageSize)
        let loop = WatchLoop<JSONValue>(
            client: self, type: type, namespace: namespace, options: options,
            list: { [self] in try await self.listAllRawWithVersion(type, namespace: namespace, options: listOptions) },
            decodeEvent: { _, event in try Self.prepare(event["object"] ?? .null, type) })
        return Self.stream(running: loop)
    }

    private static func stream<Object: Sendable>(running loop: WatchLoop<Object>) -> AsyncThrowingStream<WatchEvent<Object>, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent<Object>.self)
        let task = Task {
            var loop = loop
            do {
                try await loop.run { continuation.yield($0) }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

