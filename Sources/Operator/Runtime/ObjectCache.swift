import KubeAPI
import KubeClient
import Logging
import Synchronization

/// `namespace/name`: how the operator keys objects and clusters.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    init?(_ object: JSONValue) {
        guard let name = object[path: ["metadata", "name"]]?.stringValue else { return nil }
        self.init(namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "", name: name)
    }

    public var description: String { "\(namespace)/\(name)" }
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

/// A local copy of one resource type (an informer): list, then watch, in every watched
/// namespace, resuming after dropped connections and relisting after expired history (the
/// client's `watchRaw`). Reads come from memory, so a reconcile in steady state sends nothing.
/// Every change calls `onChange` with the object (for deletions, its last state).
public final class ObjectCache: Sendable {
    public let type: ResourceType
    let labelSelector: String?
    private let objects = Mutex([ObjectKey: JSONValue]())
    private let syncedNamespaces = Mutex(Set<String>())

    public init(type: ResourceType, labelSelector: String? = nil) {
        self.type = type
        self.labelSelector = labelSelector
    }

    public func get(_ key: ObjectKey) -> JSONValue? { objects.withLock { $0[key] } }

    public func get(namespace: String, name: String) -> JSONValue? { get(ObjectKey(namespace: namespace, name: name)) }

    public func list(namespace: String? = nil) -> [JSONValue] {
        objects.withLock { all in
            all.filter { namespace == nil || $0.key.namespace == namespace }.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    public var count: Int { objects.withLock { $0.count } }

    /// Forgets everything (a new term as leader lists afresh: nothing from an old term is trusted).
    public func reset() {
        objects.withLock { $0.removeAll() }
        syncedNamespaces.withLock { $0.removeAll() }
    }

    /// Whether every watched namespace delivered its first list.
    public func hasSynced(namespaces: Int) -> Bool { syncedNamespaces.withLock { $0.count >= namespaces } }

    /// Watches `namespaces` (empty: all) until cancelled. Errors a retry cannot fix (403, an
    /// unserved resource) end the watch of that namespace and are thrown.
    public func run(client: KubeClient, namespaces: [String], logger: Logger,
                    onChange: @escaping @Sendable (JSONValue) async -> Void) async throws {
        let scopes = namespaces.isEmpty ? [KubeClient.allNamespaces] : namespaces
        try await withThrowingTaskGroup(of: Void.self) { group in
            for scope in scopes {
                group.addTask {
                    let options = WatchOptions(labelSelector: self.labelSelector)
                    for try await event in client.watchRaw(self.type, namespace: scope, options: options) {
                        await self.apply(event, scope: scope, onChange: onChange)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func apply(_ event: WatchEvent<JSONValue>, scope: String, onChange: @Sendable (JSONValue) async -> Void) async {
        switch event {
        case .snapshot(let list, _):
            // Replace this scope's objects; what disappeared in a gap counts as deleted.
            let (gone, changed): ([JSONValue], [JSONValue]) = objects.withLock { all in
                var fresh: [ObjectKey: JSONValue] = [:]
                for object in list { if let key = ObjectKey(object) { fresh[key] = Self.slim(object) } }
                let inScope = all.keys.filter { scope.isEmpty || $0.namespace == scope }
                let gone = inScope.filter { fresh[$0] == nil }.compactMap { all.removeValue(forKey: $0) }
                let changed = fresh.filter { all[$0.key] != $0.value }.map(\.value)
                for (key, object) in fresh { all[key] = object }
                return (gone, changed)
            }
            syncedNamespaces.withLock { _ = $0.insert(scope) }
            for object in gone + changed { await onChange(object) }
        case .added(let object), .modified(let object):
            guard let key = ObjectKey(object) else { return }
            let slim = Self.slim(object)
            objects.withLock { $0[key] = slim }
            await onChange(slim)
        case .deleted(let object):
            guard let key = ObjectKey(object) else { return }
            _ = objects.withLock { $0.removeValue(forKey: key) }
            await onChange(object)
        case .bookmark:
            break
        }
    }

    /// Records what a write returned, before the watch delivers it: the next reconcile of the
    /// same object then compares against what the server stored, not a stale copy.
    public func store(_ object: JSONValue) {
        guard let key = ObjectKey(object) else { return }
        let object = Self.slim(object)
        objects.withLock { all in
            // Never replace a newer copy the watch already delivered.
            if let current = all[key], Self.version(current) > Self.version(object) { return }
            all[key] = object
        }
    }

    public func remove(_ key: ObjectKey) { _ = objects.withLock { $0.removeValue(forKey: key) } }

    /// What the cache keeps of an object: everything but `metadata.managedFields`, which nothing
    /// here reads and which is, after server-side apply, often the largest part of an object
    /// (client-go's informers drop it the same way).
    static func slim(_ object: JSONValue) -> JSONValue {
        guard object[path: ["metadata", "managedFields"]] != nil, case .object(var members) = object,
              case .object(var metadata)? = members["metadata"] else { return object }
        metadata["managedFields"] = nil
        members["metadata"] = .object(metadata)
        return .object(members)
    }

    /// resourceVersions are opaque to clients in general; both kube-apiserver (etcd revisions) and
    /// the local server use increasing integers, and anything else compares as 0 (always stored).
    static func version(_ object: JSONValue) -> Int64 {
        Int64(object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0
    }
}
