import KubeAPI
import Testing
@testable import KubeServer

@Suite("Managed fields and server-side apply (pure)")
struct ManagedFieldsTests {
    @Test("FieldsV1 encodes leaf paths as nested keys and decodes back")
    func fieldsV1() {
        let fields: Set<ManagedFields.Path> = [["f:spec", "f:replicas"], ["f:metadata", "f:labels", "f:app"], ["f:spec", "f:list"]]
        let encoded = ManagedFields.encode(fields)
        #expect(encoded == ["f:spec": ["f:replicas": [:], "f:list": [:]], "f:metadata": ["f:labels": ["f:app": [:]]]])
        #expect(ManagedFields.decode(encoded) == fields)
    }

    @Test("an update takes the fields it changed from other managers")
    func updateOwnership() {
        let created = ManagedFields.record(old: nil, new: ["spec": ["a": 1, "b": 2]], manager: "one", operation: .update,
                                           apiVersion: "v1", subresource: nil, hasStatusSubresource: true)
        let updated = ManagedFields.record(old: created, new: ["spec": ["a": 1, "b": 3], "metadata": created["metadata"]!],
                                           manager: "two", operation: .update, apiVersion: "v1", subresource: nil,
                                           hasStatusSubresource: true)
        let entries = ManagedFields.entries(of: updated)
        #expect(entries.first { $0.manager == "one" }?.fields == [["f:spec", "f:a"]])
        #expect(entries.first { $0.manager == "two" }?.fields == [["f:spec", "f:b"]])
    }

    @Test("apply conflicts with another manager's different value, unless forced")
    func conflicts() throws {
        var live: JSONValue = ["spec": ["replicas": 3]]
        live = ManagedFields.record(old: nil, new: live, manager: "operator", operation: .apply, apiVersion: "v1",
                                    subresource: nil, hasStatusSubresource: true)
        #expect(throws: APIFailure.self) {
            try ServerSideApply.apply(["spec": ["replicas": 5]], to: live, manager: "cli", force: false, subresource: nil,
                                      hasStatusSubresource: true)
        }
        do {
            _ = try ServerSideApply.apply(["spec": ["replicas": 5]], to: live, manager: "cli", force: false, subresource: nil,
                                          hasStatusSubresource: true)
        } catch {
            #expect(error.status.message == "Apply failed with 1 conflict: conflict with \"operator\": .spec.replicas")
            #expect(error.status.details?.causes == [StatusCause(reason: "FieldManagerConflict", message: "conflict with \"operator\"",
                                                                  field: ".spec.replicas")])
        }
        let same = try ServerSideApply.apply(["spec": ["replicas": 3]], to: live, manager: "cli", force: false, subresource: nil,
                                             hasStatusSubresource: true)
        #expect(same.object[path: ["spec", "replicas"]] == 3, "the same value is shared ownership, not a conflict")
        let forced = try ServerSideApply.apply(["spec": ["replicas": 5]], to: live, manager: "cli", force: true, subresource: nil,
                                               hasStatusSubresource: true)
        #expect(forced.object[path: ["spec", "replicas"]] == 5)
    }

    @Test("fields a manager stops applying are removed unless someone else owns them")
    func removal() throws {
        var live: JSONValue = ["spec": ["a": 1, "b": 2]]
        live = ManagedFields.record(old: nil, new: live, manager: "m", operation: .apply, apiVersion: "v1", subresource: nil,
                                    hasStatusSubresource: true)
        let result = try ServerSideApply.apply(["spec": ["a": 1]], to: live, manager: "m", force: false, subresource: nil,
                                               hasStatusSubresource: true)
        #expect(result.object["spec"] == ["a": 1])
    }
}
