import Testing
@testable import Galera

@Suite("wsrep status rows")
struct WsrepStatusTests {
    static func rows(_ overrides: [String: String?] = [:], without: Set<String> = []) -> [(name: String, value: String?)] {
        var values: [String: String?] = [
            "wsrep_cluster_status": "Primary",
            "wsrep_local_state": "4",
            "wsrep_local_state_comment": "Synced",
            "wsrep_ready": "ON",
            "wsrep_connected": "ON",
            "wsrep_cluster_size": "3",
            "wsrep_cluster_state_uuid": "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1",
            "wsrep_local_state_uuid": "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1",
            "wsrep_last_committed": "1234",
            "wsrep_evs_state": "OPERATIONAL",
        ]
        for (key, value) in overrides { values[key] = value }
        return values.filter { !without.contains($0.key) }.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    @Test("a healthy node")
    func healthy() throws {
        let status = try WsrepStatus(rows: Self.rows())
        #expect(status.clusterStatus == .primary)
        #expect(status.localState == 4)
        #expect(status.localStateComment == "Synced")
        #expect(status.ready && status.connected)
        #expect(status.clusterSize == 3)
        #expect(status.lastCommitted == 1234)
        #expect(status.isSyncedPrimary)
        #expect(status.raw["wsrep_evs_state"] == "OPERATIONAL")
    }

    @Test("an isolated node is non-Primary and not ready")
    func isolated() throws {
        let status = try WsrepStatus(rows: Self.rows([
            "wsrep_cluster_status": "non-Primary", "wsrep_local_state": "0",
            "wsrep_local_state_comment": "Initialized", "wsrep_ready": "OFF", "wsrep_cluster_size": "1",
            "wsrep_last_committed": "-1",
        ]))
        #expect(status.clusterStatus == .nonPrimary)
        #expect(!status.ready)
        #expect(!status.isSyncedPrimary)
        #expect(status.lastCommitted == -1)
    }

    @Test("a joiner is Primary but not Synced")
    func joiner() throws {
        let status = try WsrepStatus(rows: Self.rows(["wsrep_local_state": "1", "wsrep_local_state_comment": "Joining: receiving State Transfer"]))
        #expect(status.clusterStatus == .primary)
        #expect(!status.isSyncedPrimary)
    }

    @Test("names match case-insensitively and unknown statuses are kept")
    func tolerant() throws {
        let rows = Self.rows(["wsrep_cluster_status": "Weird"]).map { (name: $0.name.uppercased(), value: $0.value) }
        let status = try WsrepStatus(rows: rows)
        #expect(status.clusterStatus == .other("Weird"))
        #expect(status.clusterStatus.description == "Weird")
    }

    @Test("rejects rows that are not a Galera node's", arguments: [
        ([:], Set(["wsrep_cluster_status"]), "no wsrep_cluster_status row"),
        (["wsrep_cluster_size": "three"], Set<String>(), "wsrep_cluster_size 'three' is not a number"),
        (["wsrep_ready": "MAYBE"], Set<String>(), "neither ON nor OFF"),
        ([:], Set(["wsrep_last_committed"]), "no wsrep_last_committed row"),
    ] as [([String: String?], Set<String>, String)])
    func rejects(overrides: [String: String?], without: Set<String>, message: String) {
        #expect {
            try WsrepStatus(rows: Self.rows(overrides, without: without))
        } throws: { error in
            (error as? GaleraParseError)?.description.contains(message) ?? false
        }
    }

    @Test("no rows at all: wsrep is off")
    func empty() {
        #expect(throws: GaleraParseError.self) { try WsrepStatus(rows: []) }
    }
}
