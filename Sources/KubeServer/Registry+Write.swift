import Foundation
import KubeAPI
import KubeSchema

/// CREATE and UPDATE: kube's generic registry write path (BeforeCreate/BeforeUpdate, the
/// resource's strategy, namespace lifecycle admission, custom resource pruning, defaulting
/// and schema validation, optimistic concurrency, and no-op updates that change nothing).
extension Registry {
    func create(_ definition: ResourceDefinition, _ request: ResourceRequest, body: JSONValue, query: QueryParameters,
                context: WriteContext, appliedBy manager: String? = nil) throws(APIFailure) -> WriteResult {
        let dryRun = try Self.dryRun(query)
        var object = body
        try checkTypeMeta(object, definition, version: request.version)
        let namespace = try namespaceForWrite(&object, definition, request)
        var unknownFields = ObjectMetaRules.unknownFields(object)
        ObjectMetaRules.coerce(&object)
        if let version = ObjectMetaRules.resourceVersion(object), !version.isEmpty {
            throw APIFailure(.internalError("resourceVersion should not be set on objects to be created"))
        }
        var name = ObjectMetaRules.name(object)
        let generateName = object[path: ["metadata", "generateName"]]?.stringValue ?? ""
        try admitNamespacedWrite(definition, namespace: namespace, name: name)
        try admitCustomResourceWrite(definition)

        if name.isEmpty, !generateName.isEmpty {
            repeat {
                name = ObjectMetaRules.generatedName(generateName)
            } while store.get(definition.groupResource, objectKey(definition, namespace: namespace, name: name)) != nil
            object[path: ["metadata", "name"]] = .string(name)
        }
        object[path: ["metadata", "uid"]] = .string(ObjectMetaRules.newUID())
        object[path: ["metadata", "creationTimestamp"]] = ObjectMetaRules.now()
        for field in ["deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "resourceVersion"] {
            object[path: ["metadata", field]] = nil
        }
        object[path: ["metadata", "generation"]] = definition.usesGeneration ? .int(1) : nil
        if definition.hasStatusSubresource {
            object["status"] = definition.isCustom ? nil : definition.initialStatus
        }
        object["apiVersion"] = .string(definition.apiVersion(request.version))
        object["kind"] = .string(definition.kind)

        var errors = ObjectMetaRules.validate(object, definition: definition, isCreate: true)
        object = try prepareBuiltin(definition, object, old: nil, errors: &errors)
        if definition.isCustom, let schema = definition.schemas[request.version] {
            unknownFields += SchemaPruner.unknownFields(object, schema: schema)
            object = SchemaDefaulter.applyDefaults(SchemaPruner.prune(object, schema: schema), schema: schema)
            errors += SchemaValidator.validateObject(object, schema: schema)
        }
        let warnings = try Self.fieldValidation(query, unknownFields: unknownFields, options: "CreateOptions")
        if !errors.isEmpty {
            throw APIFailure(.invalid(kind: definition.kind, group: definition.group, name: name, errors))
        }
        let key = objectKey(definition, namespace: namespace, name: name)
        if store.get(definition.groupResource, key) != nil {
            throw APIFailure(.alreadyExists(definition.groupResource, name: name))
        }
        object = ManagedFields.record(old: nil, new: object, manager: manager ?? Self.manager(query, context),
                                      operation: manager == nil ? .update : .apply, apiVersion: definition.apiVersion(request.version),
                                      subresource: nil, hasStatusSubresource: definition.hasStatusSubresource,
                                      applied: manager == nil ? nil : ManagedFields.leaves(body, subresource: nil,
                                                                                           hasStatusSubresource: definition.hasStatusSubresource))
        if dryRun { return WriteResult(201, present(object, definition, version: request.version), warnings: warnings) }
        let stored = commit(definition, key, object)
        return WriteResult(201, present(stored, definition, version: request.version), warnings: warnings)
    }

    func update(_ definition: ResourceDefinition, _ request: ResourceRequest, body: JSONValue, query: QueryParameters,
                context: WriteContext) throws(APIFailure) -> WriteResult {
        let name = request.name ?? ""
        try checkTypeMeta(body, definition, version: request.version)
        let bodyName = ObjectMetaRules.name(body)
        if bodyName != name {
            throw APIFailure(.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))"))
        }
        var candidate = body
        _ = try namespaceForWrite(&candidate, definition, request)
        let key = objectKey(definition, namespace: request.namespace, name: name)
        guard let current = store.get(definition.groupResource, key) else {
            throw APIFailure(.notFound(definition.groupResource, name: name))
        }
        return try applyUpdate(definition, version: request.version, key: key, current: current, candidate: candidate,
                               subresource: request.subresource, requireResourceVersion: !definition.allowUnconditionalUpdate,
                               dryRun: try Self.dryRun(query), manager: Self.manager(query, context), operation: .update,
                               query: query, optionsKind: "UpdateOptions")
    }

    /// The common tail of PUT, PATCH and apply on an existing object.
    func applyUpdate(_ definition: ResourceDefinition, version: String, key: ObjectKey, current: JSONValue,
                     candidate: JSONValue, subresource: String?, requireResourceVersion: Bool, dryRun: Bool,
                     manager: String, operation: ManagedFields.Operation,
                     applied: Set<ManagedFields.Path>? = nil, query: QueryParameters,
                     optionsKind: String) throws(APIFailure) -> WriteResult {
        let resource = definition.groupResource
        let old = present(current, definition, version: version)
        var new = candidate
        var unknownFields = ObjectMetaRules.unknownFields(new)
        ObjectMetaRules.coerce(&new)
        new["apiVersion"] = .string(definition.apiVersion(version))
        new["kind"] = .string(definition.kind)

        let currentVersion = ObjectMetaRules.resourceVersion(current) ?? ""
        let requestedVersion = ObjectMetaRules.resourceVersion(new) ?? ""
        if requestedVersion.isEmpty {
            if requireResourceVersion {
                throw APIFailure(.invalid(kind: definition.kind, group: definition.group, name: key.name, [
                    FieldError(kind: .invalid, field: "metadata.resourceVersion", value: .verbatim("0x0"),
                               detail: "must be specified for an update")]))
            }
        } else if requestedVersion != currentVersion {
            if Int64(requestedVersion) == nil {
                throw APIFailure(.badRequest("invalid resource version: \(GoFormat.quote(requestedVersion))"))
            }
            throw APIFailure(.modifiedConflict(resource, name: key.name))
        }
        if let uid = ObjectMetaRules.uid(new), !uid.isEmpty, uid != ObjectMetaRules.uid(old) {
            throw APIFailure(.conflict(resource, name: key.name,
                                       "Precondition failed: UID in precondition: \(uid), UID in object meta: \(ObjectMetaRules.uid(old) ?? "")"))
        }

        if subresource == "status" {
            // Writes to /status change the status and nothing else.
            var merged = old
            merged["status"] = new["status"]
            merged[path: ["metadata", "managedFields"]] = new[path: ["metadata", "managedFields"]] ?? old[path: ["metadata", "managedFields"]]
            new = merged
        } else if definition.hasStatusSubresource {
            // Writes to the main resource leave status alone.
            new["status"] = old["status"]
        }
        // Fields the server owns come from the stored object.
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name",
                      "namespace"] {
            new[path: ["metadata", field]] = old[path: ["metadata", field]]
        }
        new[path: ["metadata", "selfLink"]] = nil
        new[path: ["metadata", "resourceVersion"]] = .string(currentVersion)

        var errors = ObjectMetaRules.validate(new, definition: definition, isCreate: false)
        if ObjectMetaRules.isTerminating(old) {
            let added = ObjectMetaRules.finalizers(new).filter { !ObjectMetaRules.finalizers(old).contains($0) }
            if !added.isEmpty {
                errors.append(.forbidden("metadata.finalizers",
                                         "no new finalizers can be added if the object is being deleted, found new finalizers []string{\(added.map(GoFormat.quote).joined(separator: ", "))}"))
            }
        }
        new = try prepareBuiltin(definition, new, old: old, errors: &errors)
        if definition.isCustom, let schema = definition.schemas[version] {
            unknownFields += SchemaPruner.unknownFields(new, schema: schema)
            new = SchemaDefaulter.applyDefaults(SchemaPruner.prune(new, schema: schema), schema: schema)
            errors += SchemaValidator.validateObject(new, schema: schema)
        }
        let warnings = try Self.fieldValidation(query, unknownFields: unknownFields, options: optionsKind)
        if !errors.isEmpty {
            throw APIFailure(.invalid(kind: definition.kind, group: definition.group, name: key.name, errors))
        }
        if definition.usesGeneration, ObjectMetaRules.specChanged(from: old, to: new, definition: definition) {
            new[path: ["metadata", "generation"]] = .int((old[path: ["metadata", "generation"]]?.intValue ?? 0) + 1)
        }
        new = ManagedFields.record(old: old, new: new, manager: manager, operation: operation,
                                   apiVersion: definition.apiVersion(version), subresource: subresource,
                                   hasStatusSubresource: definition.hasStatusSubresource, applied: applied)

        if ManagedFields.sameExceptTimestamps(old, new) {
            // kube writes nothing for an update that changes nothing: same resourceVersion, no event.
            return WriteResult(200, old, warnings: warnings)
        }
        if ObjectMetaRules.isTerminating(new), ObjectMetaRules.finalizers(new).isEmpty {
            if dryRun { return WriteResult(200, new, warnings: warnings) }
            // As in kube, the stored state (finalizers and all) is what gets deleted and returned.
            let last = erase(resource, key) ?? new
            return WriteResult(200, present(last, definition, version: version), warnings: warnings)
        }
        if dryRun { return WriteResult(200, new, warnings: warnings) }
        let stored = commit(definition, key, new)
        return WriteResult(200, present(stored, definition, version: version), warnings: warnings)
    }

    // MARK: Pieces of the write path

    /// The apiVersion and kind in a body must be the ones of the URL (or absent, for built-in kinds).
    func checkTypeMeta(_ object: JSONValue, _ definition: ResourceDefinition, version: String) throws(APIFailure) {
        let expected = definition.apiVersion(version)
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        if definition.isCustom {
            let text = String(decoding: (try? object.jsonData()) ?? Data(), as: UTF8.self)
            if kind.isEmpty { throw APIFailure(.badRequest("Object 'Kind' is missing in '\(text)'")) }
            if apiVersion.isEmpty { throw APIFailure(.badRequest("Object 'apiVersion' is missing in '\(text)'")) }
        }
        if !apiVersion.isEmpty, apiVersion != expected {
            throw APIFailure(.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(expected))"))
        }
        if !kind.isEmpty, kind != definition.kind {
            throw APIFailure(.badRequest("the object provided is unrecognized (must be of type \(definition.kind)): no kind \(GoFormat.quote(kind)) is registered for version \(GoFormat.quote(expected))"))
        }
    }

    /// Puts the request's namespace into the object, refusing a body that names another one.
    func namespaceForWrite(_ object: inout JSONValue, _ definition: ResourceDefinition,
                           _ request: ResourceRequest) throws(APIFailure) -> String {
        guard definition.namespaced else {
            object[path: ["metadata", "namespace"]] = nil
            return ""
        }
        let namespace = request.namespace ?? ""
        if let given = object[path: ["metadata", "namespace"]]?.stringValue, !given.isEmpty, given != namespace {
            throw APIFailure(.badRequest("the namespace of the provided object does not match the namespace sent on the request"))
        }
        object[path: ["metadata", "namespace"]] = .string(namespace)
        return namespace
    }

    /// NamespaceLifecycle admission: the namespace must exist and must not be terminating.
    func admitNamespacedWrite(_ definition: ResourceDefinition, namespace: String, name: String) throws(APIFailure) {
        guard definition.namespaced else { return }
        let namespaces = GroupResource(group: "", resource: "namespaces")
        guard let object = store.get(namespaces, ObjectKey(namespace: "", name: namespace)) else {
            throw APIFailure(.notFound(namespaces, name: namespace))
        }
        if ObjectMetaRules.isTerminating(object) {
            var status = Status.forbidden(definition.groupResource, name: name,
                                          "unable to create new content in namespace \(namespace) because it is being terminated")
            status.details?.causes = [StatusCause(reason: "NamespaceTerminating",
                                                  message: "namespace \(namespace) is being terminated", field: "metadata.namespace")]
            throw APIFailure(status)
        }
    }

    /// Instances of a CRD that is being deleted may not be created.
    func admitCustomResourceWrite(_ definition: ResourceDefinition) throws(APIFailure) {
        guard definition.isCustom else { return }
        let crds = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
        if let crd = store.get(crds, ObjectKey(namespace: "", name: definition.groupResource.description)),
           ObjectMetaRules.isTerminating(crd) {
            throw APIFailure(.methodNotAllowed("create not allowed while custom resource definition is terminating"))
        }
    }

    /// `fieldValidation`: Strict rejects unknown fields (400), Warn (the default) returns them as
    /// warnings, Ignore drops them silently, as kube-apiserver does.
    static func fieldValidation(_ query: QueryParameters, unknownFields: [String], options: String) throws(APIFailure) -> [String] {
        let directive = query["fieldValidation"] ?? ""
        let messages = unknownFields.map { "unknown field \(GoFormat.quote($0))" }
        switch directive {
        case "", "Warn": return messages
        case "Ignore": return []
        case "Strict":
            if messages.isEmpty { return [] }
            throw APIFailure(.badRequest("strict decoding error: " + messages.joined(separator: ", ")))
        default:
            throw APIFailure(.invalid(kind: options, group: "meta.k8s.io", name: "", [
                .notSupported("fieldValidation", .string(directive), ["Ignore", "Warn", "Strict"])]))
        }
    }

    static func dryRun(_ query: QueryParameters) throws(APIFailure) -> Bool {
        let values = query.all("dryRun")
        for value in values where value != "All" {
            throw APIFailure(.badRequest("dryRun: Unsupported value: \(GoFormat.quote(value)): supported values: \"All\""))
        }
        return !values.isEmpty
    }

    /// The field manager of a non-apply write: `fieldManager`, else the User-Agent's first part, as kube does.
    static func manager(_ query: QueryParameters, _ context: WriteContext) -> String {
        if let manager = query["fieldManager"], !manager.isEmpty { return manager }
        let agent = context.userAgent ?? ""
        let prefix = agent.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return prefix.isEmpty ? "unknown" : String(prefix.prefix(128))
    }
}
