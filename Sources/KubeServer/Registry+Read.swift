import Foundation
import KubeAPI
import KubeSchema

/// GET and LIST, with kube's resourceVersion semantics for lists: unset is "latest", `0` is
/// "any" (served whole, `limit` ignored, as the watch cache does), a version with `limit` or
/// `resourceVersionMatch=Exact` is an exact snapshot (410 once compacted), otherwise "not
/// older than". Pagination keeps reading the snapshot of the first page.
extension Registry {
    func get(_ definition: ResourceDefinition, _ request: ResourceRequest) throws(APIFailure) -> JSONValue {
        let name = request.name ?? ""
        let key = objectKey(definition, namespace: request.namespace, name: name)
        guard let object = store.get(definition.groupResource, key) else {
            throw APIFailure(.notFound(definition.groupResource, name: name))
        }
        return present(object, definition, version: request.version)
    }

    func list(_ definition: ResourceDefinition, _ request: ResourceRequest, query: QueryParameters) throws(APIFailure) -> JSONValue {
        let filter = try ObjectFilter.from(query, namespace: request.namespace, definition: definition)
        let page = try readPage(definition, filter: filter, query: query)
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(page.resourceVersion))]
        if let next = page.continueToken { metadata["continue"] = .string(next) }
        if let remaining = page.remainingItemCount { metadata["remainingItemCount"] = .int(remaining) }
        let items = page.objects.map { object -> JSONValue in
            var item = present(object, definition, version: request.version)
            // Typed lists of built-in kinds carry no apiVersion/kind per item; custom resource lists do.
            if !definition.isCustom {
                item["apiVersion"] = nil
                item["kind"] = nil
            }
            return item
        }
        return ["apiVersion": .string(definition.apiVersion(request.version)), "kind": .string(definition.listKind),
                "metadata": .object(metadata), "items": .array(items)]
    }

    struct Page {
        var objects: [JSONValue]
        var resourceVersion: Int64
        var continueToken: String?
        var remainingItemCount: Int64?
    }

    func readPage(_ definition: ResourceDefinition, filter: ObjectFilter, query: QueryParameters) throws(APIFailure) -> Page {
        var limit = max(0, query.int("limit") ?? 0)
        let requestedVersion = query["resourceVersion"] ?? ""
        let match = query["resourceVersionMatch"] ?? ""
        var startAfter: String?
        var snapshotVersion: Int64? = nil  // nil: the current state

        if !match.isEmpty {
            guard match == "Exact" || match == "NotOlderThan" else {
                throw APIFailure(.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", [
                    .notSupported("resourceVersionMatch", .string(match), ["Exact", "NotOlderThan"])]))
            }
            if requestedVersion.isEmpty {
                throw APIFailure(.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", [
                    .forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")]))
            }
        }

        if let text = query["continue"], !text.isEmpty {
            if !requestedVersion.isEmpty, requestedVersion != "0" {
                throw APIFailure(.badRequest("specifying resource version is not allowed when using continue"))
            }
            let token = try ContinueToken.decode(text)
            startAfter = token.lastKey
            if token.resourceVersion > 0 { snapshotVersion = token.resourceVersion }
        } else if !requestedVersion.isEmpty {
            guard let version = Int64(requestedVersion), version >= 0 else {
                throw APIFailure(.badRequest("invalid resource version: \(GoFormat.quote(requestedVersion))"))
            }
            if version == 0 {
                limit = 0
            } else if match == "Exact" || (match.isEmpty && limit > 0) {
                snapshotVersion = version
            } else if version > store.resourceVersion {
                throw APIFailure(.tooLargeResourceVersion(version, current: store.resourceVersion))
            }
        }

        let listVersion = snapshotVersion ?? store.resourceVersion
        var entries: [(key: ObjectKey, object: JSONValue)]
        if let snapshotVersion {
            do {
                entries = try store.snapshot(definition.groupResource, at: snapshotVersion)
                    .filter { filter.namespace == nil || $0.key.namespace == filter.namespace }
                    .sorted { $0.key < $1.key }
                    .map { (key: $0.key, object: $0.value) }
            } catch {
                switch error {
                case .tooNew(let current):
                    throw APIFailure(.tooLargeResourceVersion(snapshotVersion, current: current))
                case .tooOld:
                    if limit > 0 || startAfter != nil {
                        let restart = ContinueToken(resourceVersion: -1, lastKey: startAfter ?? "").encoded()
                        throw APIFailure(.expired(Self.inconsistentContinueMessage), continueToken: restart)
                    }
                    throw APIFailure(.expired("The resourceVersion for the provided list is too old."))
                }
            }
        } else {
            entries = store.list(definition.groupResource, namespace: filter.namespace)
        }
        if let startAfter {
            let start = Array(startAfter.utf8)
            entries = entries.filter { start.lexicographicallyPrecedes(Array($0.key.description.utf8)) }
        }

        var objects: [JSONValue] = []
        var lastKey: ObjectKey?
        var index = 0
        while index < entries.count {
            let entry = entries[index]
            index += 1
            guard filter.matches(entry.object) else { continue }
            objects.append(entry.object)
            lastKey = entry.key
            if limit > 0, objects.count == limit { break }
        }
        var page = Page(objects: objects, resourceVersion: listVersion)
        if limit > 0, let lastKey, entries[index...].contains(where: { filter.matches($0.object) }) {
            page.continueToken = ContinueToken(resourceVersion: listVersion, lastKey: lastKey.description).encoded()
            if !filter.hasSelectors { page.remainingItemCount = Int64(entries.count - index) }
        }
        return page
    }

    static let inconsistentContinueMessage = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
}
