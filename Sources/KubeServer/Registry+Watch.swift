import Foundation
import KubeAPI
import KubeSchema

/// One open watch.
struct Watcher: Sendable {
    let id: Int
    let definition: ResourceDefinition
    let version: String
    let filter: ObjectFilter
    let bookmarks: Bool
    let continuation: AsyncStream<WatchFrame>.Continuation
    var timeoutTask: Task<Void, Never>?
}

/// WATCH, as kube's watch cache serves it: from a resourceVersion (events after it, or 410
/// Expired as an ERROR event once that history is gone), or from "now" with synthetic ADDED
/// events for what exists when no version (or `0`) is given. Selectors apply to both the old
/// and the new state, so an object moving out of a selector arrives as DELETED. Bookmarks,
/// timeouts, slow-consumer closing and the test hooks (drop all, compact) live here too.
extension Registry {
    func watch(_ definition: ResourceDefinition, _ request: ResourceRequest, query: QueryParameters) throws(APIFailure) -> APIResponse {
        var filter = try ObjectFilter.from(query, namespace: request.namespace, definition: definition)
        if let name = request.name {
            filter.fields.terms.append(FieldSelector.Term(field: "metadata.name", negated: false, value: name))
        }
        let requestedVersion = query["resourceVersion"] ?? ""
        let bookmarks = query.bool("allowWatchBookmarks") == true
        let sendInitialEvents = query.bool("sendInitialEvents")
        if sendInitialEvents == true {
            var errors: [FieldError] = []
            if query["resourceVersionMatch"] != "NotOlderThan" {
                errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            }
            if !bookmarks {
                errors.append(.required("allowWatchBookmarks", "sendInitialEvents requires allowWatchBookmarks=true"))
            }
            if !errors.isEmpty {
                throw APIFailure(.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors))
            }
        }

        var initial: [WatchFrame] = []
        var startVersion: Int64? = nil
        if !requestedVersion.isEmpty, requestedVersion != "0" {
            guard let version = Int64(requestedVersion), version > 0 else {
                throw APIFailure(.badRequest("invalid resource version: \(GoFormat.quote(requestedVersion))"))
            }
            startVersion = version
        }
        let synthesize = sendInitialEvents ?? (startVersion == nil)
        if let startVersion, !synthesize {
            do {
                for event in try store.events(of: definition.groupResource, after: startVersion) {
                    if let frame = frame(for: event, definition: definition, version: request.version, filter: filter) {
                        initial.append(frame)
                    }
                }
            } catch {
                switch error {
                case .tooOld(let oldest):
                    let status = Status.tooOldResourceVersion(startVersion, oldest: oldest)
                    let (stream, continuation) = AsyncStream<WatchFrame>.makeStream()
                    continuation.yield(.line(WatchLine.encode(type: "ERROR", object: status.jsonValue())))
                    continuation.finish()
                    return .watch(stream)
                case .tooNew(let current):
                    throw APIFailure(.tooLargeResourceVersion(startVersion, current: current))
                }
            }
        } else if synthesize {
            for entry in store.list(definition.groupResource, namespace: filter.namespace) where filter.matches(entry.object) {
                let object = present(entry.object, definition, version: request.version)
                initial.append(.line(WatchLine.encode(type: "ADDED", object: object)))
            }
            if sendInitialEvents == true {
                initial.append(bookmark(definition, version: request.version, initialEventsEnd: true))
            }
        }

        let (stream, continuation) = AsyncStream<WatchFrame>.makeStream(
            bufferingPolicy: .bufferingOldest(max(settings.watchBufferSize, initial.count + 16)))
        let id = nextWatcherID
        nextWatcherID += 1
        for frame in initial { continuation.yield(frame) }

        let seconds = query.int("timeoutSeconds").flatMap { $0 > 0 ? Int($0) : nil }
            ?? Int.random(in: settings.defaultWatchTimeout)
        let timeoutTask = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            await self?.endWatch(id)
        }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.forgetWatch(id) }
        }
        watchers[id] = Watcher(id: id, definition: definition, version: request.version, filter: filter,
                               bookmarks: bookmarks, continuation: continuation, timeoutTask: timeoutTask)
        if bookmarks { ensureBookmarkTicker() }
        return .watch(stream)
    }

    /// Sends a committed change to every watcher it concerns.
    func publish(_ event: StoredEvent) {
        for watcher in watchers.values where watcher.definition.groupResource == event.resource {
            guard let frame = frame(for: event, definition: watcher.definition, version: watcher.version,
                                    filter: watcher.filter) else { continue }
            if case .dropped = watcher.continuation.yield(frame) {
                // Too slow: end the watch cleanly; the client resumes from the last version it saw.
                logger.debug("closing slow watcher", metadata: ["watcher": "\(watcher.id)"])
                endWatch(watcher.id)
            }
        }
    }

    /// The event a watcher with `filter` sees for a change, if any.
    nonisolated func frame(for event: StoredEvent, definition: ResourceDefinition, version: String,
                           filter: ObjectFilter) -> WatchFrame? {
        let type: String
        var object = event.object
        switch event.kind {
        case .added:
            guard filter.matches(event.object) else { return nil }
            type = "ADDED"
        case .deleted:
            guard filter.matches(event.object) else { return nil }
            type = "DELETED"
        case .modified:
            let now = filter.matches(event.object)
            let before = event.previous.map(filter.matches) ?? false
            switch (before, now) {
            case (true, true): type = "MODIFIED"
            case (false, true): type = "ADDED"
            case (true, false):
                type = "DELETED"
                object = event.previous!
                object[path: ["metadata", "resourceVersion"]] = .string(String(event.resourceVersion))
            case (false, false): return nil
            }
        }
        return .line(WatchLine.encode(type: type, object: present(object, definition, version: version)))
    }

    private func ensureBookmarkTicker() {
        guard bookmarkTask == nil else { return }
        let interval = settings.bookmarkInterval
        bookmarkTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                await self?.sendBookmarks()
            }
        }
    }

    private func sendBookmarks() {
        for watcher in watchers.values where watcher.bookmarks {
            watcher.continuation.yield(bookmark(watcher.definition, version: watcher.version))
        }
    }

    /// A BOOKMARK event: an empty object of the kind carrying only the current resourceVersion.
    func bookmark(_ definition: ResourceDefinition, version: String, initialEventsEnd: Bool = false) -> WatchFrame {
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(store.resourceVersion))]
        if !definition.isCustom { metadata["creationTimestamp"] = .null }
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSONValue = ["kind": .string(definition.kind), "apiVersion": .string(definition.apiVersion(version)),
                                 "metadata": .object(metadata)]
        return .line(WatchLine.encode(type: "BOOKMARK", object: object))
    }

    /// Ends a watch cleanly (the response completes), as a timeout does.
    func endWatch(_ id: Int) {
        guard let watcher = watchers.removeValue(forKey: id) else { return }
        watcher.timeoutTask?.cancel()
        watcher.continuation.finish()
    }

    private func forgetWatch(_ id: Int) {
        guard let watcher = watchers.removeValue(forKey: id) else { return }
        watcher.timeoutTask?.cancel()
    }

    /// Ends every watch of a resource (its CRD went away).
    func endWatches(of resource: GroupResource) {
        for watcher in watchers.values where watcher.definition.groupResource == resource {
            endWatch(watcher.id)
        }
    }

    /// Test hook: cuts every watch connection without ending the response, like a network failure.
    func dropWatches() -> Int {
        let count = watchers.count
        for watcher in watchers.values {
            watcher.timeoutTask?.cancel()
            watcher.continuation.yield(.drop)
            watcher.continuation.finish()
        }
        watchers.removeAll()
        return count
    }

    /// Test hook: forgets all history, so any older resourceVersion gets 410 Expired.
    func compactHistory() -> Int64 {
        store.compact()
        return store.resourceVersion
    }

    var openWatchCount: Int { watchers.count }
}
