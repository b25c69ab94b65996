import Foundation
import KubeAPI
import KubeSchema
import Logging

/// The API server's state and its semantics: what kube-apiserver's generic registry, the
/// apiextensions server, admission (namespace lifecycle), the watch cache and the
/// garbage collector do, over one in-memory `ObjectStore`. One actor, so every change is
/// atomic and watchers see changes in resourceVersion order.
///
/// The HTTP layer hands it parsed requests (`perform`) and writes back what it returns.
actor Registry {
    struct Settings: Sendable {
        var historyLimit: Int
        var bookmarkInterval: Duration
        /// Watches without `timeoutSeconds` end after a random time in this range, as kube's do.
        var defaultWatchTimeout: ClosedRange<Int>
        /// Events a watcher may have queued before the server closes it as too slow.
        var watchBufferSize: Int
        /// How long the "controllers" (CRD establishment, garbage collection, namespace and
        /// CRD cleanup) wait before acting; they always act after the request that triggered them.
        var controllerDelay: Duration
        var serverAddress: AddressBox
        /// Where the store is saved (`KubeServerConfiguration.storagePath`); nil keeps it in memory only.
        var storagePath: String? = nil
    }

    var store: ObjectStore
    var catalog = ResourceCatalog()
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 1
    var controllersScheduled = false
    var controllerTask: Task<Void, Never>?
    var bookmarkTask: Task<Void, Never>?
    var allocatedClusterIPs: Set<String> = []
    /// Saving to `storagePath` (Registry+Storage.swift): the one task that writes, whether a
    /// change is not on disk yet, and the last write's error (logged once, not on every retry).
    var saveTask: Task<Void, Never>?
    var unsavedChanges = false
    var lastSaveError: String?
    let settings: Settings
    let logger: Logger

    init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var store = ObjectStore(historyLimit: settings.historyLimit)
        let namespaces = GroupResource(group: "", resource: "namespaces")
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = store.put(namespaces, ObjectKey(namespace: "", name: name), Registry.namespaceObject(name))
        }
        store.compact()
        self.store = store
    }

    static func namespaceObject(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Namespace",
         "metadata": ["name": .string(name), "uid": .string(ObjectMetaRules.newUID()),
                      "creationTimestamp": ObjectMetaRules.now(),
                      "labels": ["kubernetes.io/metadata.name": .string(name)]],
         "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"]]
    }

    /// Stops background work and ends every watch.
    func shutdown() {
        controllerTask?.cancel()
        bookmarkTask?.cancel()
        for watcher in watchers.values {
            watcher.timeoutTask?.cancel()
            watcher.continuation.finish()
        }
        watchers.removeAll()
    }

    var currentResourceVersion: Int64 { store.resourceVersion }

    // MARK: Dispatch

    /// Serves one resource request by an authenticated, authorized user.
    /// - Parameter asTable: kubectl's `Accept: ...;as=Table;g=meta.k8s.io`: a get, a list or a
    ///   watch answers with `meta.k8s.io/v1 Table`s (`TableConvertor`), so kubectl prints its columns.
    func perform(_ request: ResourceRequest, query: QueryParameters, body: Data, contentType: String?,
                 context: WriteContext, asTable: Bool = false) -> APIResponse {
        do throws(APIFailure) {
            let definition = try route(request)
            let include = TableConvertor.Include(rawValue: query["includeObject"] ?? "") ?? .metadata
            func table(_ objects: [JSONValue], _ metadata: JSONValue?) -> JSONValue {
                TableConvertor.table(definition, version: request.version, objects: objects, listMetadata: metadata, include: include, now: Date())
            }
            switch request.verb {
            case "get":
                let object = try get(definition, request)
                return .json(200, asTable ? table([object], nil) : object)
            case "list":
                let list = try list(definition, request, query: query)
                return .json(200, asTable ? table(list["items"]?.arrayValue ?? [], list["metadata"]) : list)
            case "watch":
                let response = try watch(definition, request, query: query)
                guard asTable, case .watch(let frames) = response else { return response }
                return .watch(Self.tables(of: frames, definition, version: request.version, include: include))
            case "create":
                guard request.subresource == nil, request.name == nil,
                      !definition.namespaced || request.namespace != nil else { throw APIFailure(.methodNotAllowed) }
                return try create(definition, request, body: try parseBody(body, contentType: contentType, definition),
                                  query: query, context: context).response
            case "update":
                return try update(definition, request, body: try parseBody(body, contentType: contentType, definition),
                                  query: query, context: context).response
            case "patch":
                return try patch(definition, request, body: body, contentType: contentType, query: query,
                                 context: context).response
            case "delete":
                guard request.subresource == nil else { throw APIFailure(.methodNotAllowed) }
                return try delete(definition, request, body: body, query: query, context: context)
            case "deletecollection":
                guard !definition.namespaced || request.namespace != nil else { throw APIFailure(.methodNotAllowed) }
                return try deleteCollection(definition, request, body: body, query: query, context: context)
            default:
                throw APIFailure(.methodNotAllowed)
            }
        } catch {
            return .failure(error)
        }
    }

    /// Finds the definition for a request and checks the path shape, answering 404 as kube does.
    private func route(_ request: ResourceRequest) throws(APIFailure) -> ResourceDefinition {
        guard !request.extraPath,
              let definition = catalog.definition(group: request.group, version: request.version, resource: request.resource)
        else { throw APIFailure(.pathNotFound) }
        if let subresource = request.subresource {
            guard subresource == "status", definition.hasStatusSubresource, request.name != nil else {
                throw APIFailure(.pathNotFound)
            }
        }
        if definition.namespaced {
            // /api/v1/configmaps/x (a named object with no namespace) is not a route.
            if request.namespace == nil, request.name != nil { throw APIFailure(.pathNotFound) }
        } else if request.namespace != nil, definition.plural != "namespaces" {
            throw APIFailure(.pathNotFound)
        }
        if definition.plural == "namespaces", request.name == nil, request.namespace != nil {
            throw APIFailure(.pathNotFound)
        }
        return definition
    }

    /// Decodes a create or update body: JSON, or YAML; other media types are 415 as in kube.
    func parseBody(_ body: Data, contentType: String?, _ definition: ResourceDefinition) throws(APIFailure) -> JSONValue {
        let mediaType = (contentType ?? "").split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch mediaType {
        case "", "application/json", "*/*":
            break
        case "application/yaml":
            let value = try Self.parseApplyConfiguration(body)
            guard value.objectValue != nil else {
                throw APIFailure(.badRequest("the object provided is unrecognized (must be of type \(definition.kind)): couldn't get version/kind; yaml: not an object"))
            }
            return value
        default:
            throw APIFailure(.unsupportedMediaType(mediaType, accepted: ["application/json", "application/yaml",
                                                                         "application/vnd.kubernetes.protobuf"]))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw APIFailure(.badRequest("the object provided is unrecognized (must be of type \(definition.kind)): couldn't get version/kind; json parse error: \(Self.describe(error))"))
        }
        guard value.objectValue != nil else {
            throw APIFailure(.badRequest("the object provided is unrecognized (must be of type \(definition.kind)): couldn't get version/kind; json parse error: json: cannot unmarshal \(value.typeName) into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }"))
        }
        return value
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return String(describing: error)
    }

    // MARK: Helpers shared by the verbs

    func objectKey(_ definition: ResourceDefinition, namespace: String?, name: String) -> ObjectKey {
        ObjectKey(namespace: definition.namespaced ? (namespace ?? "") : "", name: name)
    }

    /// An object as a client reads it at `version`: that apiVersion, and schema defaults applied
    /// (kube defaults custom resources on every read from storage).
    nonisolated func present(_ object: JSONValue, _ definition: ResourceDefinition, version: String) -> JSONValue {
        var out = object
        out["apiVersion"] = .string(definition.apiVersion(version))
        out["kind"] = .string(definition.kind)
        if definition.isCustom, let schema = definition.schemas[version] {
            out = SchemaDefaulter.applyDefaults(out, schema: schema)
        }
        return out
    }

    /// Stores an object, tells watchers, and reacts to what the change means for the server.
    @discardableResult
    func commit(_ definition: ResourceDefinition, _ key: ObjectKey, _ object: JSONValue) -> JSONValue {
        let event = store.put(definition.groupResource, key, object)
        publish(event)
        afterChange(event)
        return event.object
    }

    /// Removes an object for good.
    @discardableResult
    func erase(_ resource: GroupResource, _ key: ObjectKey) -> JSONValue? {
        guard let event = store.remove(resource, key) else { return nil }
        publish(event)
        afterChange(event)
        return event.object
    }

    private func afterChange(_ event: StoredEvent) {
        if event.resource == GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions") {
            customResourceDefinitionChanged(event)
        }
        // The garbage collector has work only when something is deleted or being deleted, or when
        // a dependent names an owner that is gone or going. Most writes (an update of an object
        // whose owner is alive) need no pass over every object.
        // An owner the write removed counts too: a Foreground owner waits for its last dependent.
        let owners = ObjectMetaRules.ownerUIDs(event.object) + (event.previous.map(ObjectMetaRules.ownerUIDs) ?? [])
        if event.kind == .deleted || ObjectMetaRules.isTerminating(event.object)
            || owners.contains(where: { uid in store.object(uid: uid).map(ObjectMetaRules.isTerminating) ?? true }) {
            scheduleControllers()
        }
        if event.resource.resource == "services", event.resource.group.isEmpty {
            trackClusterIP(event)
        }
        scheduleSave()
    }
}

/// What a write needs to know about who asked and how.
struct WriteContext: Sendable {
    var user: KubeUser
    var userAgent: String?
}

extension Registry {
    /// A watch whose events carry Tables of one row instead of objects (`kubectl get -w`).
    nonisolated static func tables(of frames: AsyncStream<WatchFrame>, _ definition: ResourceDefinition, version: String,
                                   include: TableConvertor.Include) -> AsyncStream<WatchFrame> {
        AsyncStream { continuation in
            let task = Task {
                for await frame in frames {
                    guard case .line(let data) = frame, var event = try? JSONValue.parse(data), let object = event["object"],
                          event["type"]?.stringValue != "ERROR", event["type"]?.stringValue != "BOOKMARK" else {
                        continuation.yield(frame)
                        continue
                    }
                    event["object"] = TableConvertor.table(definition, version: version, objects: [object], listMetadata: nil,
                                                           include: include, now: Date())
                    continuation.yield(.line(WatchLine.encode(type: event["type"]?.stringValue ?? "MODIFIED", object: event["object"] ?? [:])))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
