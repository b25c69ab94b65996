import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// `namespace/name`: how the operator keys objects and clusters.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init?(_ object: JSONValue) {
        guard let name = object[path: ["metadata", "name"]]?.stringValue else { return nil }
        self.init(namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "", name: name)
    }

    public var description: String { "\(namespace)/\(name)" }
}

/// A local copy of one resource type (an informer): list, then watch, in every watched
/// namespace, resuming after dropped connections and relisting after expired history (the
/// client's `watchRaw`). Reads come from memory, so a reconcile in steady state sends nothing.
/// Every change calls `onChange` with the object (for deletions, its last state).
public final class ObjectCache: Sendable {
    public let type: ResourceType
    let labelSelector: String?
    /// The object each object belongs to (the operator's: its cluster), for `list(owner:)`;
    /// nil: no index.
    public let owner: (@Sendable (JSONValue) -> ObjectKey?)?
    private let contents: Mutex<Contents>
    private let syncedNamespaces = Mutex(Set<String>())

    /// The objects, and which of them belong to each owner (by `owner`), so a reconcile
    /// finds one cluster's pods without scanning every pod. Each object is kept as its compact
    /// JSON text, parsed again when read: a `JSONValue` tree takes about five times the bytes of
    /// its text (a rendered cluster's objects: 74 KB as trees, 14 KB as text), and the operator
    /// holds every object of every cluster while a reconcile reads a dozen.
    private struct Contents {
        var objects: [ObjectKey: Entry] = [:]
        var byOwner: [ObjectKey: Set<ObjectKey>] = [:]

        mutating func put(_ key: ObjectKey, _ entry: Entry) {
            if let old = objects[key] { unindex(key, old) }
            objects[key] = entry
            if let owner = entry.owner { byOwner[owner, default: []].insert(key) }
        }

        @discardableResult
        mutating func remove(_ key: ObjectKey) -> Entry? {
            guard let old = objects.removeValue(forKey: key) else { return nil }
            unindex(key, old)
            return old
        }

        private mutating func unindex(_ key: ObjectKey, _ entry: Entry) {
            guard let owner = entry.owner else { return }
            byOwner[owner]?.remove(key)
            if byOwner[owner]?.isEmpty == true { byOwner[owner] = nil }
        }
    }

    /// One cached object: its text, and what the cache itself asks of it without parsing. Made
    /// and read outside the lock: writing and parsing text is the costly part.
    private struct Entry {
        let bytes: Data
        let version: Int64
        let owner: ObjectKey?

        init(_ object: JSONValue, owner ownerOf: (@Sendable (JSONValue) -> ObjectKey?)?) {
            bytes = object.compactBytes()
            version = ObjectCache.version(object)
            owner = ownerOf?(object)
        }

        /// The text was written by `compactBytes` from a parsed value: it always parses.
        var object: JSONValue {
            do {
                return try JSONValue.parse(bytes)
            } catch {
                preconditionFailure("ObjectCache: a stored object does not parse again: \(error)")
            }
        }
    }

    public init(type: ResourceType, labelSelector: String? = nil, owner: (@Sendable (JSONValue) -> ObjectKey?)? = nil) {
        self.type = type
        self.labelSelector = labelSelector
        self.owner = owner
        contents = Mutex(Contents())
    }

    public func get(_ key: ObjectKey) -> JSONValue? { contents.withLock { $0.objects[key] }?.object }

    public func get(namespace: String, name: String) -> JSONValue? { get(ObjectKey(namespace: namespace, name: name)) }

    /// The cached object's resourceVersion as a number (0: not one), without reading the object.
    public func version(of key: ObjectKey) -> Int64? { contents.withLock { $0.objects[key]?.version } }

    /// Every object, in no particular order.
    public func list() -> [JSONValue] { contents.withLock { Array($0.objects.values) }.map(\.object) }

    /// The keys of every object, without reading the objects.
    public func keys() -> [ObjectKey] { contents.withLock { Array($0.objects.keys) } }

    /// The objects that belong to `owner` (by `owner`), in no particular order.
    public func list(owner: ObjectKey) -> [JSONValue] {
        contents.withLock { contents in (contents.byOwner[owner] ?? []).compactMap { contents.objects[$0] } }.map(\.object)
    }

    /// The cached object as a typed model, decoded straight from its text (no `JSONValue` tree
    /// between). Throws when the object does not have the model's shape.
    public func get<Object: Decodable>(_ key: ObjectKey, as type: Object.Type) throws -> Object? {
        guard let entry = contents.withLock({ $0.objects[key] }) else { return nil }
        return try JSONDecoder().decode(Object.self, from: entry.bytes)
    }

    /// `list(owner:)` as typed models.
    public func list<Object: Decodable>(owner: ObjectKey, as type: Object.Type) throws -> [Object] {
        let entries = contents.withLock { contents in (contents.byOwner[owner] ?? []).compactMap { contents.objects[$0] } }
        let decoder = JSONDecoder()
        return try entries.map { try decoder.decode(Object.self, from: $0.bytes) }
    }

    public var count: Int { contents.withLock { $0.objects.count } }

    /// The object `object` belongs to, from its `label` (in its own namespace).
    public static func owner(of object: JSONValue, label: String) -> ObjectKey? {
        guard let owner = object[path: ["metadata", "labels", label]]?.stringValue,
              let namespace = object[path: ["metadata", "namespace"]]?.stringValue else { return nil }
        return ObjectKey(namespace: namespace, name: owner)
    }

    /// Forgets everything (a new term as leader lists afresh: nothing from an old term is trusted).
    public func reset() {
        contents.withLock { $0 = Contents() }
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
            var fresh: [ObjectKey: (object: JSONValue, entry: Entry)] = [:]
            for object in list {
                guard let key = ObjectKey(object) else { continue }
                let slim = Self.slim(object)
                fresh[key] = (slim, Entry(slim, owner: owner))
            }
            let (gone, changed): ([Entry], [JSONValue]) = contents.withLock { contents in
                let inScope = contents.objects.keys.filter { scope.isEmpty || $0.namespace == scope }
                let gone = inScope.filter { fresh[$0] == nil }.compactMap { contents.remove($0) }
                // A relist hands over what changed while the watch was away: by resourceVersion,
                // as every write changes it.
                let changed = fresh.filter { key, item in
                    guard let cached = contents.objects[key] else { return true }
                    return cached.version != item.entry.version || cached.version == 0
                }.map(\.value.object)
                for (key, item) in fresh { contents.put(key, item.entry) }
                return (gone, changed)
            }
            syncedNamespaces.withLock { _ = $0.insert(scope) }
            for object in gone.map(\.object) + changed { await onChange(object) }
        case .added(let object), .modified(let object):
            guard let key = ObjectKey(object) else { return }
            let slim = Self.slim(object)
            let entry = Entry(slim, owner: owner)
            contents.withLock { $0.put(key, entry) }
            await onChange(slim)
        case .deleted(let object):
            guard let key = ObjectKey(object) else { return }
            _ = contents.withLock { $0.remove(key) }
            await onChange(object)
        case .bookmark:
            break
        }
    }

    /// Records what a write returned, before the watch delivers it: the next reconcile of the
    /// same object then compares against what the server stored, not a stale copy.
    public func store(_ object: JSONValue) {
        guard let key = ObjectKey(object) else { return }
        let entry = Entry(Self.slim(object), owner: owner)
        contents.withLock { contents in
            // Never replace a newer copy the watch already delivered.
            if let current = contents.objects[key], current.version > entry.version { return }
            contents.put(key, entry)
        }
    }

    public func remove(_ key: ObjectKey) { _ = contents.withLock { $0.remove(key) } }

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
