import Foundation
import KubeAPI
import KubeSchema

/// DELETE and DELETECOLLECTION as kube's generic registry does them: preconditions,
/// `propagationPolicy` (Background by default, Foreground and Orphan through the
/// `foregroundDeletion` and `orphan` finalizers), graceful deletion through finalizers
/// (`deletionTimestamp` set, the object stays until its finalizers are gone), and the answer:
/// the object for kinds that return it, else a `Status` with `status: Success`.
extension Registry {
    struct DeleteOptions {
        var propagationPolicy: String?
        var orphanDependents: Bool?
        var preconditionUID: String?
        var preconditionResourceVersion: String?
        var dryRun: Bool
    }

    func deleteOptions(body: Data, query: QueryParameters) throws(APIFailure) -> DeleteOptions {
        var options = DeleteOptions(propagationPolicy: query["propagationPolicy"], orphanDependents: query.bool("orphanDependents"),
                                    dryRun: try Self.dryRun(query))
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            let json: JSONValue
            do {
                json = try JSONValue.parse(body)
            } catch {
                throw APIFailure(.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"))
            }
            if let policy = json["propagationPolicy"]?.stringValue { options.propagationPolicy = policy }
            if let orphan = json["orphanDependents"]?.boolValue { options.orphanDependents = orphan }
            options.preconditionUID = json[path: ["preconditions", "uid"]]?.stringValue
            options.preconditionResourceVersion = json[path: ["preconditions", "resourceVersion"]]?.stringValue
            if let dryRun = json["dryRun"]?.arrayValue, !dryRun.isEmpty { options.dryRun = true }
        }
        if let policy = options.propagationPolicy, !["Foreground", "Background", "Orphan"].contains(policy) {
            throw APIFailure(.invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "", [
                .notSupported("propagationPolicy", .string(policy), ["Foreground", "Background", "Orphan", "nil"])]))
        }
        if options.propagationPolicy != nil, options.orphanDependents != nil {
            throw APIFailure(.invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "", [
                .invalid("propagationPolicy", .string(options.propagationPolicy!), "orphanDependents and deletionPropagation cannot be both set")]))
        }
        return options
    }

    func delete(_ definition: ResourceDefinition, _ request: ResourceRequest, body: Data, query: QueryParameters,
                context: WriteContext) throws(APIFailure) -> APIResponse {
        let options = try deleteOptions(body: body, query: query)
        let name = request.name ?? ""
        let key = objectKey(definition, namespace: request.namespace, name: name)
        guard let current = store.get(definition.groupResource, key) else {
            throw APIFailure(.notFound(definition.groupResource, name: name))
        }
        if definition.groupResource == GroupResource(group: "", resource: "namespaces"),
           ["default", "kube-system", "kube-public"].contains(name) {
            throw APIFailure(.forbidden(definition.groupResource, name: name, "this namespace may not be deleted"))
        }
        let (deleted, object) = try deleteObject(definition, key: key, current: current, options: options)
        let presented = present(object, definition, version: request.version)
        let code = (!deleted && options.orphanDependents == false) ? 202 : 200
        if !deleted || definition.returnsDeletedObject {
            return .json(code, presented)
        }
        return .json(code, Status.deleted(definition.groupResource, name: name, uid: ObjectMetaRules.uid(object)).jsonValue())
    }

    /// Deletes or starts deleting one object. Returns whether it is gone, and its last state.
    func deleteObject(_ definition: ResourceDefinition, key: ObjectKey, current: JSONValue,
                      options: DeleteOptions) throws(APIFailure) -> (Bool, JSONValue) {
        let resource = definition.groupResource
        if let uid = options.preconditionUID, uid != ObjectMetaRules.uid(current) {
            throw APIFailure(.conflict(resource, name: key.name,
                                       "Precondition failed: UID in precondition: \(uid), UID in object meta: \(ObjectMetaRules.uid(current) ?? "")"))
        }
        if let version = options.preconditionResourceVersion, version != ObjectMetaRules.resourceVersion(current) {
            throw APIFailure(.conflict(resource, name: key.name,
                                       "Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object meta: \(ObjectMetaRules.resourceVersion(current) ?? "")"))
        }
        var finalizers = ObjectMetaRules.finalizers(current)
        let policy = options.propagationPolicy ?? (options.orphanDependents == true ? "Orphan" : nil)
        switch policy {
        case "Orphan":
            finalizers.removeAll { $0 == ObjectMetaRules.foregroundFinalizer }
            if !finalizers.contains(ObjectMetaRules.orphanFinalizer) { finalizers.append(ObjectMetaRules.orphanFinalizer) }
        case "Foreground":
            finalizers.removeAll { $0 == ObjectMetaRules.orphanFinalizer }
            if !finalizers.contains(ObjectMetaRules.foregroundFinalizer) { finalizers.append(ObjectMetaRules.foregroundFinalizer) }
        case "Background":
            finalizers.removeAll { $0 == ObjectMetaRules.orphanFinalizer || $0 == ObjectMetaRules.foregroundFinalizer }
        default:
            break
        }
        // Namespaces are emptied by the namespace controller before they go, whatever their finalizers.
        let isNamespace = resource == GroupResource(group: "", resource: "namespaces")
        let waitsForNamespaceController = isNamespace && !(current[path: ["spec", "finalizers"]]?.arrayValue ?? []).isEmpty

        if finalizers.isEmpty, !waitsForNamespaceController {
            if options.dryRun { return (true, current) }
            let last = erase(resource, key) ?? current
            return (true, last)
        }
        var updated = current
        if !ObjectMetaRules.isTerminating(updated) {
            updated[path: ["metadata", "deletionTimestamp"]] = ObjectMetaRules.now()
            updated[path: ["metadata", "deletionGracePeriodSeconds"]] = 0
            if let generation = updated[path: ["metadata", "generation"]]?.intValue, generation > 0 {
                updated[path: ["metadata", "generation"]] = .int(generation + 1)
            }
        }
        ObjectMetaRules.setFinalizers(finalizers, on: &updated)
        if isNamespace { updated[path: ["status", "phase"]] = "Terminating" }
        if updated == current || options.dryRun { return (false, updated) }
        return (false, commit(definition, key, updated))
    }

    func deleteCollection(_ definition: ResourceDefinition, _ request: ResourceRequest, body: Data, query: QueryParameters,
                          context: WriteContext) throws(APIFailure) -> APIResponse {
        guard definition.verbs.contains("deletecollection") else { throw APIFailure(.methodNotAllowed) }
        let options = try deleteOptions(body: body, query: query)
        let filter = try ObjectFilter.from(query, namespace: request.namespace, definition: definition)
        var items: [JSONValue] = []
        for entry in store.list(definition.groupResource, namespace: filter.namespace) where filter.matches(entry.object) {
            let (_, object) = try deleteObject(definition, key: entry.key, current: entry.object, options: options)
            var item = present(object, definition, version: request.version)
            if !definition.isCustom {
                item["apiVersion"] = nil
                item["kind"] = nil
            }
            items.append(item)
        }
        return .json(200, ["apiVersion": .string(definition.apiVersion(request.version)), "kind": .string(definition.listKind),
                           "metadata": ["resourceVersion": .string(String(store.resourceVersion))], "items": .array(items)])
    }
}
