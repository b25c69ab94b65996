@testable import Galera

enum Fixture {
    static let uuid = "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1"

    static func position(_ seqno: Int64, uuid: String = Fixture.uuid) -> GaleraPosition {
        try! GaleraPosition(uuid: uuid, seqno: seqno)
    }

    static func grastate(_ seqno: Int64, safe: Bool = false, uuid: String = Fixture.uuid) -> GrastateObservation {
        .present(GaleraState(position: position(seqno, uuid: uuid), safeToBootstrap: safe))
    }

    static func wsrep(_ status: WsrepStatus.ClusterStatus = .primary, state: Int = 4, comment: String = "Synced", ready: Bool = true, size: Int = 3) -> WsrepStatus {
        WsrepStatus(
            clusterStatus: status, localState: state, localStateComment: comment, ready: ready, connected: true,
            clusterSize: size, clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: 10)
    }
}
