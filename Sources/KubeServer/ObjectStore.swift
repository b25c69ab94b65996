import KubeAPI

/// One committed change, as watches see it and as the history keeps it.
struct StoredEvent: Sendable {
    enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    var kind: Kind
    var resource: GroupResource
    var key: ObjectKey
    /// The object after the change; for a deletion, its last state carrying the deletion's version.
    var object: JSONValue
    /// The object before the change (nil for an addition).
    var previous: JSONValue?
    var resourceVersion: Int64
}

/// The in-memory "etcd": objects per resource, one global increasing resourceVersion, and a
/// bounded history of changes per resource (like kube's watch cache, one window per resource)
/// from which watches resume and past list snapshots are rebuilt.
/// A value type with no I/O; the `Registry` actor owns it (and writes copies of it to disk
/// through `StoreFile` when `storagePath` is set).
struct ObjectStore: Sendable {
    private(set) var resourceVersion: Int64 = 1
    private var objects: [GroupResource: [ObjectKey: JSONValue]] = [:]
    /// Where each live object's uid is stored: the garbage collector's question "does this owner
    /// still exist, and is it being deleted?" in O(1) instead of a scan of every object.
    private var byUID: [String: (resource: GroupResource, key: ObjectKey)] = [:]
    private var histories: [GroupResource: History] = [:]
    let historyLimit: Int
    /// No resource's history reaches back before this (moved by `compact()`).
    private var floor: Int64 = 1

    /// The recent changes of one resource, oldest first.
    private struct History: Sendable {
        var events: [StoredEvent] = []
        var start = 0
        /// Every change of this resource above this version is still here.
        var compactedThrough: Int64

        var live: ArraySlice<StoredEvent> { events[start...] }

        mutating func append(_ event: StoredEvent, limit: Int) {
            events.append(event)
            if events.count - start > limit {
                compactedThrough = events[start].resourceVersion
                start += 1
                // Drop the dead prefix now and then rather than on every change.
                if start > 1024, start * 2 > events.count {
                    events.removeFirst(start)
                    start = 0
                }
            }
        }
    }

    init(historyLimit: Int) {
        self.historyLimit = max(1, historyLimit)
    }

    /// How far the resourceVersion counter jumps when a saved store is restored. Saving lags the
    /// requests by up to `Registry.saveInterval`, so a server that was killed may have answered
    /// with versions its file never got; reusing them would let a client that saw them (its
    /// watch resumes "after" one) miss the new changes that got the same numbers. Every version
    /// from before the restart falls below the new floor instead: the client gets 410 and lists
    /// afresh, as client-go does after a compaction.
    static let restartGap: Int64 = 1 << 20

    /// A store holding what was saved, with no history: every older version is compacted away
    /// (watches and exact lists from before it get 410), as after an etcd compaction.
    init(historyLimit: Int, restoring file: StoreFile) {
        self.init(historyLimit: historyLimit)
        resourceVersion = file.resourceVersion + Self.restartGap
        floor = resourceVersion
        for entry in file.entries {
            objects[entry.resource, default: [:]][entry.key] = entry.object
            if let uid = ObjectMetaRules.uid(entry.object) { byUID[uid] = (entry.resource, entry.key) }
        }
    }

    func get(_ resource: GroupResource, _ key: ObjectKey) -> JSONValue? {
        objects[resource]?[key]
    }

    /// The current objects of a resource, in key order, optionally in one namespace.
    func list(_ resource: GroupResource, namespace: String?) -> [(key: ObjectKey, object: JSONValue)] {
        guard let all = objects[resource] else { return [] }
        return all.filter { namespace == nil || $0.key.namespace == namespace }
            .sorted { $0.key < $1.key }
            .map { (key: $0.key, object: $0.value) }
    }

    /// The live object with this uid, if any.
    func object(uid: String) -> JSONValue? {
        byUID[uid].flatMap { objects[$0.resource]?[$0.key] }
    }

    /// Every stored object with its resource, for cross-resource work (garbage collection).
    func allObjects() -> [(resource: GroupResource, key: ObjectKey, object: JSONValue)] {
        objects.flatMap { resource, members in members.map { (resource: resource, key: $0.key, object: $0.value) } }
    }

    /// Stores `object` under a new resourceVersion and records the change.
    mutating func put(_ resource: GroupResource, _ key: ObjectKey, _ object: JSONValue) -> StoredEvent {
        resourceVersion += 1
        var stored = object
        stored[path: ["metadata", "resourceVersion"]] = .string(String(resourceVersion))
        let previous = objects[resource]?[key]
        objects[resource, default: [:]][key] = stored
        if let uid = previous.flatMap(ObjectMetaRules.uid) { byUID[uid] = nil }
        if let uid = ObjectMetaRules.uid(stored) { byUID[uid] = (resource, key) }
        let event = StoredEvent(kind: previous == nil ? .added : .modified, resource: resource, key: key,
                                object: stored, previous: previous, resourceVersion: resourceVersion)
        record(event)
        return event
    }

    /// Removes an object; the event carries its last state with the deletion's version.
    mutating func remove(_ resource: GroupResource, _ key: ObjectKey) -> StoredEvent? {
        guard let previous = objects[resource]?[key] else { return nil }
        resourceVersion += 1
        objects[resource]?[key] = nil
        if objects[resource]?.isEmpty == true { objects[resource] = nil }
        if let uid = ObjectMetaRules.uid(previous) { byUID[uid] = nil }
        var last = previous
        last[path: ["metadata", "resourceVersion"]] = .string(String(resourceVersion))
        let event = StoredEvent(kind: .deleted, resource: resource, key: key, object: last,
                                previous: previous, resourceVersion: resourceVersion)
        record(event)
        return event
    }

    private mutating func record(_ event: StoredEvent) {
        histories[event.resource, default: History(compactedThrough: floor)].append(event, limit: historyLimit)
    }

    /// Forgets all history: watches and exact lists at any older version get 410 Gone.
    mutating func compact() {
        histories.removeAll()
        floor = resourceVersion
    }

    /// The oldest version a watch or exact list of `resource` may start from.
    func compactedThrough(_ resource: GroupResource) -> Int64 {
        histories[resource]?.compactedThrough ?? floor
    }

    enum HistoryError: Error {
        case tooOld(oldest: Int64)
        case tooNew(current: Int64)
    }

    /// The changes of `resource` after `version`, oldest first.
    func events(of resource: GroupResource, after version: Int64) throws(HistoryError) -> ArraySlice<StoredEvent> {
        let oldest = compactedThrough(resource)
        if version < oldest { throw .tooOld(oldest: oldest) }
        if version > resourceVersion { throw .tooNew(current: resourceVersion) }
        guard let live = histories[resource]?.live else { return [] }
        // Versions increase along the history: binary search for the first one after `version`.
        var low = live.startIndex
        var high = live.endIndex
        while low < high {
            let middle = (low + high) / 2
            if live[middle].resourceVersion > version { high = middle } else { low = middle + 1 }
        }
        return live[low...]
    }

    /// A resource's objects as they were at `version`, rebuilt by undoing later changes.
    func snapshot(_ resource: GroupResource, at version: Int64) throws(HistoryError) -> [ObjectKey: JSONValue] {
        var state = objects[resource] ?? [:]
        for event in try events(of: resource, after: version).reversed() {
            state[event.key] = event.previous
        }
        return state
    }
}
