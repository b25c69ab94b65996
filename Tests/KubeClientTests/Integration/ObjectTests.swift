import Foundation
import KubeAPI
import KubeServer
import Testing
@testable import KubeClient

/// Create, read, update, patch, apply, delete, the status subresource and pagination over
/// real HTTPS.
@Suite struct ObjectTests {
    @Test func createGetListUpdateDelete() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let created = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cnf", labels: ["app": "demo"]), data: ["my.cnf": "[mysqld]"]),
                                                  namespace: ns)
            #expect(created.metadata.namespace == ns)
            #expect(created.metadata.uid != nil)
            #expect(created.metadata.resourceVersion != nil)

            var read = try await client.get(ConfigMap.self, name: "cnf", namespace: ns)
            #expect(read.data == ["my.cnf": "[mysqld]"])
            read.data?["extra"] = "1"
            let updated = try await client.update(read)
            #expect(updated.data?["extra"] == "1")
            #expect(updated.metadata.resourceVersion != read.metadata.resourceVersion)

            let list = try await client.list(ConfigMap.self, namespace: ns, options: ListOptions(labelSelector: "app=demo"))
            #expect(list.items.map(\.metadata.name) == ["cnf"])
            #expect(try await client.list(ConfigMap.self, namespace: ns, options: ListOptions(labelSelector: "app=other")).items.isEmpty)
            #expect(try await client.list(ConfigMap.self, namespace: ns, options: ListOptions(fieldSelector: "metadata.name=cnf")).items.count == 1)

            try await client.delete(ConfigMap.self, name: "cnf", namespace: ns)
            let error = await #expect(throws: KubeError.self) { try await client.get(ConfigMap.self, name: "cnf", namespace: ns) }
            #expect(error?.isNotFound == true)
            #expect(error?.description == "configmaps \"cnf\" not found in namespace \"\(ns)\"")
        }
    }

    @Test func staleUpdateIsATypedConflictAndDuplicatesAlreadyExist() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let original = try await client.create(ConfigMap(metadata: ObjectMeta(name: "c", namespace: ns), data: ["v": "1"]))
            var first = original
            first.data = ["v": "2"]
            _ = try await client.update(first)
            var stale = original
            stale.data = ["v": "3"]
            let conflict = await #expect(throws: KubeError.self) { try await client.update(stale) }
            #expect(conflict?.isConflict == true, "\(String(describing: conflict))")
            #expect(conflict?.code == 409)

            let duplicate = await #expect(throws: KubeError.self) { try await client.create(ConfigMap(metadata: ObjectMeta(name: "c", namespace: ns))) }
            #expect(duplicate?.isAlreadyExists == true, "\(String(describing: duplicate))")
        }
    }

    @Test func modifyKeepsFieldsTheModelDoesNotKnowAndRetriesConflicts() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            try await Widget.install(client)
            let ns = try await fixture.makeNamespace(client)
            _ = try await client.createRaw(Widget.resourceType, [
                "metadata": ["name": "w", "namespace": .string(ns), "annotations": ["keep": "me"]],
                "spec": ["size": 1, "color": "blue"],
            ])
            let modified = try await client.modify(Widget.self, name: "w", namespace: ns) { $0.spec?.size = 5 }
            #expect(modified.spec?.size == 5)
            let raw = try await client.getRaw(Widget.resourceType, name: "w", namespace: ns)
            #expect(raw[path: ["spec", "color"]] == "blue")
            #expect(raw[path: ["spec", "size"]] == 5)
            #expect(raw[path: ["metadata", "annotations", "keep"]] == "me")

            // No change, no write.
            let unchanged = try await client.modify(Widget.self, name: "w", namespace: ns) { _ in }
            #expect(unchanged.metadata.resourceVersion == modified.metadata.resourceVersion)

            // Someone else writes between our read and our write: the first attempt conflicts, the retry wins.
            var interfered = false
            let other = try fixture.adminClient()
            let result = try await client.modify(Widget.self, name: "w", namespace: ns, retryOnConflict: 2) { widget in
                if !interfered {
                    interfered = true
                    _ = try await other.mergePatch(Widget.self, name: "w", namespace: ns, patch: ["spec": ["color": "red"]])
                }
                widget.spec?.size = 9
            }
            #expect(result.spec?.size == 9)
            let final = try await client.getRaw(Widget.resourceType, name: "w", namespace: ns)
            #expect(final[path: ["spec", "color"]] == "red")
        }
    }

    @Test func mergePatchAndServerSideApply() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "p", namespace: ns), data: ["a": "1", "b": "2"]))
            let patched = try await client.mergePatch(ConfigMap.self, name: "p", namespace: ns, patch: ["data": ["a": nil, "c": "3"]])
            #expect(patched.data == ["b": "2", "c": "3"])

            let applied = try await client.apply(ConfigMap(metadata: ObjectMeta(name: "ssa", namespace: ns), data: ["owner": "ops"]), fieldManager: "ops")
            #expect(applied.data == ["owner": "ops"])
            // Another manager changing a field "ops" owns conflicts unless it forces.
            let conflict = await #expect(throws: KubeError.self) {
                try await client.apply(ConfigMap(metadata: ObjectMeta(name: "ssa", namespace: ns), data: ["owner": "dev"]), fieldManager: "dev")
            }
            #expect(conflict?.isConflict == true, "\(String(describing: conflict))")
            let forced = try await client.apply(ConfigMap(metadata: ObjectMeta(name: "ssa", namespace: ns), data: ["owner": "dev"]),
                                                fieldManager: "dev", force: true)
            #expect(forced.data == ["owner": "dev"])

            // Untyped apply, as the CLI applies manifests.
            let raw = try await client.applyRaw(ConfigMap.resourceType, ["metadata": ["name": "raw", "namespace": .string(ns)], "data": ["k": "v"]],
                                                fieldManager: "kubectl-qmysql")
            #expect(raw["kind"] == "ConfigMap")
            #expect(raw[path: ["data", "k"]] == "v")
        }
    }

    @Test func statusSubresourceIsSeparateFromSpec() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            try await Widget.install(client)
            let ns = try await fixture.makeNamespace(client)
            var widget = try await client.create(Widget(name: "s", namespace: ns, size: 1))
            widget.status = Widget.WidgetStatus(phase: "Green")
            widget.spec?.size = 100  // ignored: /status only stores status
            let afterStatus = try await client.updateStatus(widget)
            #expect(afterStatus.status?.phase == "Green")
            #expect(afterStatus.spec?.size == 1)

            let patched = try await client.patchStatus(Widget.self, name: "s", namespace: ns, patch: ["status": ["phase": "Yellow"]])
            #expect(patched.status?.phase == "Yellow")
            #expect(try await client.getStatus(Widget.self, name: "s", namespace: ns).status?.phase == "Yellow")

            let modified = try await client.modifyStatus(Widget.self, name: "s", namespace: ns) { $0.status?.phase = "Red" }
            #expect(modified.status?.phase == "Red")
            // A plain update does not touch status.
            var plain = modified
            plain.status?.phase = "ignored"
            plain.spec?.size = 2
            let updated = try await client.update(plain)
            #expect(updated.status?.phase == "Red")
            #expect(updated.spec?.size == 2)
        }
    }

    @Test func paginationFollowsContinueTokens() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            for index in 0..<7 {
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm-\(index)", namespace: ns, labels: ["page": "yes"])))
            }
            let first = try await client.list(ConfigMap.self, namespace: ns, options: ListOptions(labelSelector: "page=yes", limit: 3))
            #expect(first.items.count == 3)
            let token = try #require(first.metadata.continue)
            let second = try await client.list(ConfigMap.self, namespace: ns, options: ListOptions(labelSelector: "page=yes", limit: 3, continueToken: token))
            #expect(second.items.count == 3)
            #expect(Set(first.items.map(\.metadata.name)).isDisjoint(with: second.items.map(\.metadata.name)))

            let all = try await client.listAll(ConfigMap.self, namespace: ns, options: ListOptions(labelSelector: "page=yes", limit: 2))
            #expect(all.compactMap(\.metadata.name).sorted() == (0..<7).map { "cm-\($0)" })
            let raw = try await client.listAllRaw(ConfigMap.resourceType, namespace: ns, options: ListOptions(limit: 4))
            #expect(raw.count >= 7)
            #expect(raw.allSatisfy { $0["kind"] == "ConfigMap" && $0["apiVersion"] == "v1" })
        }
    }

    @Test func deletePropagation() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            func family(_ name: String) async throws {
                let owner = try await client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: ns)))
                let reference = OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: name, uid: owner.metadata.uid ?? "", controller: true,
                                               blockOwnerDeletion: true)
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "\(name)-child", namespace: ns, ownerReferences: [reference])))
            }
            func exists(_ name: String) async throws -> Bool {
                do {
                    _ = try await client.get(ConfigMap.self, name: name, namespace: ns)
                    return true
                } catch let error as KubeError where error.isNotFound {
                    return false
                }
            }
            func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if try await condition() { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("not within 10 s: \(what)")
            }

            try await family("orphan")
            try await client.delete(ConfigMap.self, name: "orphan", namespace: ns, options: DeleteOptions(propagationPolicy: .orphan))
            try await eventually("owner gone") { try await !exists("orphan") }
            #expect(try await exists("orphan-child"))
            let child = try await client.get(ConfigMap.self, name: "orphan-child", namespace: ns)
            #expect(child.metadata.ownerReferences?.isEmpty ?? true)

            try await family("fg")
            try await client.delete(ConfigMap.self, name: "fg", namespace: ns, options: DeleteOptions(propagationPolicy: .foreground))
            try await eventually("foreground deletion removes child and owner") {
                let child = try await exists("fg-child")
                let owner = try await exists("fg")
                return !child && !owner
            }

            try await family("bg")
            try await client.delete(ConfigMap.self, name: "bg", namespace: ns, options: DeleteOptions(propagationPolicy: .background))
            try await eventually("background deletion removes the child") { try await !exists("bg-child") }

            // A precondition on a stale resourceVersion refuses to delete.
            let kept = try await client.create(ConfigMap(metadata: ObjectMeta(name: "kept", namespace: ns)))
            _ = try await client.mergePatch(ConfigMap.self, name: "kept", namespace: ns, patch: ["data": ["x": "y"]])
            let error = await #expect(throws: KubeError.self) {
                try await client.delete(ConfigMap.self, name: "kept", namespace: ns,
                                        options: DeleteOptions(preconditionResourceVersion: kept.metadata.resourceVersion))
            }
            #expect(error?.isConflict == true, "\(String(describing: error))")
        }
    }

    @Test func aResourceTheServerDoesNotServe() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let qiniumysqls = ResourceType(group: "mysql.qiniu.com", version: "v1alpha1", plural: "qiniumysqls", kind: "QiniuMySQL", namespaced: true)
            let error = await #expect(throws: KubeError.self) { try await client.listRaw(qiniumysqls) }
            guard case .resourceNotServed(let failure)? = error else { Issue.record("expected resourceNotServed, got \(String(describing: error))"); return }
            #expect(failure.request.resource == qiniumysqls)
            #expect(error?.description == "the server \(fixture.server.url.absoluteString) does not serve qiniumysqls.mysql.qiniu.com (mysql.qiniu.com/v1alpha1); is its CustomResourceDefinition installed?")
            let get = await #expect(throws: KubeError.self) { try await client.getRaw(qiniumysqls, name: "demo") }
            guard case .resourceNotServed? = get else { Issue.record("expected resourceNotServed for a get, got \(String(describing: get))"); return }
        }
    }

    @Test func invalidObjectsNameTheirFields() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            try await Widget.install(client)
            let ns = try await fixture.makeNamespace(client)
            let error = await #expect(throws: KubeError.self) { try await client.create(Widget(name: "bad", namespace: ns, size: -1)) }
            guard case .invalid(let failure)? = error else { Issue.record("expected invalid, got \(String(describing: error))"); return }
            #expect(failure.causes.contains { $0.field == "spec.size" }, "\(failure.causes)")
        }
    }

    @Test func serverVersion() async throws {
        try await ServerFixture.run { fixture in
            let version = try await fixture.adminClient().serverVersion()
            #expect(version.gitVersion?.hasPrefix("v") == true)
        }
    }
}
