import AgentAPI
import Foundation
import Galera

/// Builds `AgentStatus` values the way an agent sends them: as JSON, decoded with the agent's own
/// decoder, so the tests go through the real wire format.
enum AgentReportFixture {
    static func make(
        node: String, cluster: String = "demo", running: Bool, observedAt: Date,
        wsrep: WsrepStatus? = nil, exit: ProcessExit? = nil, grastate: GaleraState? = nil,
        recovered: GaleraPosition? = nil, launches: Int = 1
    ) -> AgentStatus {
        func json<T: Encodable>(_ value: T) -> Any {
            try! JSONSerialization.jsonObject(with: AgentJSON.encoder().encode(value), options: [.fragmentsAllowed])
        }
        func date(_ value: Date) -> Any { json(value) }
        var object: [String: Any] = [
            "node": node, "cluster": cluster, "flavor": "mariadb",
            "state": running ? "Green" : "Red-clean", "stateReason": "fixture",
            "observedAt": date(observedAt), "agentStartedAt": date(observedAt.addingTimeInterval(-60)),
            "process": ["running": running, "launches": launches] as [String: Any],
            "gvwstatePresent": false, "datadirInitialized": true,
        ]
        if let wsrep { object["wsrep"] = json(wsrep); object["wsrepObservedAt"] = date(observedAt) }
        if let exit {
            object["lastExit"] = ["exit": json(exit), "clean": exit.isClean, "description": exit.description, "at": date(observedAt)] as [String: Any]
        }
        if let grastate {
            object["grastate"] = ["uuid": grastate.position.uuid, "seqno": grastate.position.seqno,
                                  "safeToBootstrap": grastate.safeToBootstrap, "position": grastate.position.description] as [String: Any]
        }
        if let recovered {
            object["recovered"] = ["position": recovered.description, "at": date(observedAt), "current": true] as [String: Any]
        }
        let data = try! JSONSerialization.data(withJSONObject: object)
        return try! AgentJSON.decoder().decode(AgentStatus.self, from: data)
    }
}
