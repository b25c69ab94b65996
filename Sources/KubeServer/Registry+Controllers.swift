import Foundation
import KubeAPI

/// The controllers kube runs outside the API server that tests still need to see working:
/// the CRD controllers (names accepted, Established, instance cleanup on delete), the
/// namespace controller (empties a terminating namespace, then removes it) and the garbage
/// collector (background cascade through ownerReferences, Foreground and Orphan finalizers).
/// They run after the request that triggered them, like the real ones, never inside it.
extension Registry {
    func scheduleControllers() {
        guard !controllersScheduled else { return }
        controllersScheduled = true
        let delay = settings.controllerDelay
        controllerTask = Task { [weak self] in
            if delay > .zero { try? await Task.sleep(for: delay) }
            guard !Task.isCancelled else { return }
            await self?.runControllers()
        }
    }

    func runControllers() {
        controllersScheduled = false
        for _ in 0..<1000 {
            var changed = establishCustomResourceDefinitions()
            changed = cleanUpCustomResourceDefinitions() || changed
            changed = finalizeNamespaces() || changed
            changed = collectGarbage() || changed
            if !changed { return }
        }
        logger.warning("controllers did not settle after 1000 passes")
    }

    // MARK: CustomResourceDefinitions

    func customResourceDefinitionChanged(_ event: StoredEvent) {
        switch event.kind {
        case .added:
            scheduleControllers()
        case .modified:
            if Self.condition("Established", of: event.object) == "True",
               case .success(let definition) = CustomResourceDefinitionReader.read(event.object) {
                catalog.serve(definition)
            }
            if ObjectMetaRules.isTerminating(event.object) { scheduleControllers() }
        case .deleted:
            if case .success(let definition) = CustomResourceDefinitionReader.read(event.object) {
                catalog.stopServing(definition.groupResource)
                endWatches(of: definition.groupResource)
                // Anything left (it should not be) goes with the definition.
                for entry in store.list(definition.groupResource, namespace: nil) {
                    erase(definition.groupResource, entry.key)
                }
            }
        }
    }

    static func condition(_ type: String, of object: JSONValue) -> String? {
        object[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    private func establishCustomResourceDefinitions() -> Bool {
        guard let crdDefinition = catalog.definition(Self.crdResource) else { return false }
        var changed = false
        for entry in store.list(Self.crdResource, namespace: nil)
        where Self.condition("Established", of: entry.object) != "True" && !ObjectMetaRules.isTerminating(entry.object) {
            guard case .success(let definition) = CustomResourceDefinitionReader.read(entry.object) else { continue }
            var object = entry.object
            let now = ObjectMetaRules.now()
            object[path: ["status", "acceptedNames"]] = CustomResourceDefinitionReader.acceptedNames(definition)
            object[path: ["status", "conditions"]] = [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts",
                 "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"],
            ]
            catalog.serve(definition)
            commit(crdDefinition, entry.key, object)
            changed = true
        }
        return changed
    }

    private func cleanUpCustomResourceDefinitions() -> Bool {
        guard let crdDefinition = catalog.definition(Self.crdResource) else { return false }
        var changed = false
        for entry in store.list(Self.crdResource, namespace: nil)
        where ObjectMetaRules.isTerminating(entry.object)
            && ObjectMetaRules.finalizers(entry.object).contains(Self.crdCleanupFinalizer) {
            var object = entry.object
            if Self.condition("Terminating", of: object) != "True" {
                var conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
                conditions.append(["type": "Terminating", "status": "True", "lastTransitionTime": ObjectMetaRules.now(),
                                   "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress"])
                object[path: ["status", "conditions"]] = .array(conditions)
                object = commit(crdDefinition, entry.key, object)
                changed = true
            }
            guard case .success(let definition) = CustomResourceDefinitionReader.read(object) else { continue }
            let served = catalog.definition(definition.groupResource) ?? definition
            for instance in store.list(definition.groupResource, namespace: nil) where !ObjectMetaRules.isTerminating(instance.object) {
                _ = try? deleteObject(served, key: instance.key, current: instance.object,
                                      options: DeleteOptions(dryRun: false))
                changed = true
            }
            if store.list(definition.groupResource, namespace: nil).isEmpty {
                var finalizers = ObjectMetaRules.finalizers(object)
                finalizers.removeAll { $0 == Self.crdCleanupFinalizer }
                ObjectMetaRules.setFinalizers(finalizers, on: &object)
                if finalizers.isEmpty {
                    erase(Self.crdResource, entry.key)
                } else {
                    commit(crdDefinition, entry.key, object)
                }
                changed = true
            }
        }
        return changed
    }

    // MARK: Namespaces

    private func finalizeNamespaces() -> Bool {
        let namespaces = GroupResource(group: "", resource: "namespaces")
        guard let namespaceDefinition = catalog.definition(namespaces) else { return false }
        var changed = false
        for entry in store.list(namespaces, namespace: nil) where ObjectMetaRules.isTerminating(entry.object) {
            let name = entry.key.name
            var remaining = 0
            for (resource, key, object) in store.allObjects() where resource != namespaces && key.namespace == name {
                remaining += 1
                guard !ObjectMetaRules.isTerminating(object), let definition = catalog.definition(resource) else { continue }
                _ = try? deleteObject(definition, key: key, current: object, options: DeleteOptions(dryRun: false))
                changed = true
            }
            guard remaining == 0 else { continue }
            var object = entry.object
            if !(object[path: ["spec", "finalizers"]]?.arrayValue ?? []).isEmpty {
                object[path: ["spec", "finalizers"]] = nil
                object = commit(namespaceDefinition, entry.key, object)
                changed = true
            }
            if ObjectMetaRules.finalizers(object).isEmpty {
                erase(namespaces, entry.key)
                changed = true
            }
        }
        return changed
    }

    // MARK: Garbage collection

    private func collectGarbage() -> Bool {
        var changed = false
        let all = store.allObjects()
        let uids = Set(all.compactMap { ObjectMetaRules.uid($0.object) })
        var dependentsByOwner: [String: [(resource: GroupResource, key: ObjectKey, object: JSONValue)]] = [:]
        for item in all {
            for owner in ObjectMetaRules.ownerUIDs(item.object) { dependentsByOwner[owner, default: []].append(item) }
        }

        // Owners being deleted with Orphan or Foreground propagation.
        for item in all where ObjectMetaRules.isTerminating(item.object) {
            guard let uid = ObjectMetaRules.uid(item.object), let definition = catalog.definition(item.resource) else { continue }
            let finalizers = ObjectMetaRules.finalizers(item.object)
            let dependents = dependentsByOwner[uid] ?? []
            if finalizers.contains(ObjectMetaRules.orphanFinalizer) {
                for dependent in dependents {
                    guard let dependentDefinition = catalog.definition(dependent.resource),
                          let live = store.get(dependent.resource, dependent.key) else { continue }
                    commit(dependentDefinition, dependent.key, Self.removingOwner(uid, from: live))
                }
                removeFinalizer(ObjectMetaRules.orphanFinalizer, definition, item.key)
                changed = true
            } else if finalizers.contains(ObjectMetaRules.foregroundFinalizer) {
                if dependents.isEmpty {
                    removeFinalizer(ObjectMetaRules.foregroundFinalizer, definition, item.key)
                    changed = true
                } else {
                    for dependent in dependents where !ObjectMetaRules.isTerminating(dependent.object) {
                        guard let dependentDefinition = catalog.definition(dependent.resource) else { continue }
                        let hasOwnDependents = !(dependentsByOwner[ObjectMetaRules.uid(dependent.object) ?? ""] ?? []).isEmpty
                        _ = try? deleteObject(dependentDefinition, key: dependent.key, current: dependent.object,
                                              options: DeleteOptions(propagationPolicy: hasOwnDependents ? "Foreground" : nil,
                                                                     dryRun: false))
                        changed = true
                    }
                }
            }
        }

        // Dependents whose owners are gone.
        for item in all {
            let owners = ObjectMetaRules.ownerUIDs(item.object)
            guard !owners.isEmpty, let live = store.get(item.resource, item.key),
                  let definition = catalog.definition(item.resource) else { continue }
            let absent = owners.filter { !uids.contains($0) }
            if absent.isEmpty { continue }
            if absent.count == owners.count {
                if !ObjectMetaRules.isTerminating(live) {
                    _ = try? deleteObject(definition, key: item.key, current: live, options: DeleteOptions(dryRun: false))
                    changed = true
                }
            } else {
                var updated = live
                for uid in absent { updated = Self.removingOwner(uid, from: updated) }
                commit(definition, item.key, updated)
                changed = true
            }
        }
        return changed
    }

    private func removeFinalizer(_ finalizer: String, _ definition: ResourceDefinition, _ key: ObjectKey) {
        guard var object = store.get(definition.groupResource, key) else { return }
        var finalizers = ObjectMetaRules.finalizers(object)
        finalizers.removeAll { $0 == finalizer }
        ObjectMetaRules.setFinalizers(finalizers, on: &object)
        if finalizers.isEmpty, ObjectMetaRules.isTerminating(object),
           !(definition.plural == "namespaces" && definition.group.isEmpty) {
            erase(definition.groupResource, key)
        } else {
            commit(definition, key, object)
        }
    }

    static func removingOwner(_ uid: String, from object: JSONValue) -> JSONValue {
        var updated = object
        let references = (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
        updated[path: ["metadata", "ownerReferences"]] = references.isEmpty ? nil : .array(references)
        return updated
    }
}
