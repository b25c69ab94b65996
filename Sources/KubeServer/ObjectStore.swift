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
/// bounded history of changes from which watches resume and past list snapshots are rebuilt.
/// A value type with no I/O; the `Registry` actor owns the only instance.
struct ObjectStore: Sendable {
    private(set) var resourceVersion: Int64 = 1
    private var objects: [GroupResource: [ObjectKey: JSONValue]] = [:]
    private var history: [StoredEvent] = []
    private var historyStart = 0
    let historyLimit: Int
    /// Every change with a version above this is still in the history.
    private(set) var compactedThrough: Int64 = 1

    init(historyLimit: Int) {
        self.historyLimit = max(1, historyLimit)
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
        var last = previous
        last[path: ["metadata", "resourceVersion"]] = .string(String(resourceVersion))
        let event = StoredEvent(kind: .deleted, resource: resource, key: key, object: last,
                                previous: previous, resourceVersion: resourceVersion)
        record(event)
        return event
    }

    private mutating func record(_ event: StoredEvent) {
        history.append(event)
        if history.count - historyStart > historyLimit {
            compactedThrough = history[historyStart].resourceVersion
            historyStart += 1
            // Drop the dead prefix now and then rather than on every change.
            if historyStart > 1024, historyStart * 2 > history.count {
                history.removeFirst(historyStart)
                historyStart = 0
            }
        }
    }

    /// Forgets all history: watches and exact lists at any older version get 410 Gone.
    mutating func compact() {
        history.removeAll()
        historyStart = 0
        compactedThrough = resourceVersion
    }

    enum HistoryError: Error {
        case tooOld(oldest: Int64)
        case tooNew(current: Int64)
    }

    /// The changes after `version`, oldest first.
    func events(after version: Int64) throws(HistoryError) -> ArraySlice<StoredEvent> {
        if version < compactedThrough { throw .tooOld(oldest: compactedThrough) }
        if version > resourceVersion { throw .tooNew(current: resourceVersion) }
        let live = history[historyStart...]
        guard let first = live.firstIndex(where: { $0.resourceVersion > version }) else { return [] }
        return history[first...]
    }

    /// A resource's objects as they were at `version`, rebuilt by undoing later changes.
    func snapshot(_ resource: GroupResource, at version: Int64) throws(HistoryError) -> [ObjectKey: JSONValue] {
        var state = objects[resource] ?? [:]
        for event in try events(after: version).reversed() where event.resource == resource {
            state[event.key] = event.previous
        }
        return state
    }
}
