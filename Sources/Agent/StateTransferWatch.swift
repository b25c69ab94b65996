import Foundation
import Galera
import Synchronization

/// The error log's account of state transfers to this node. The log follower feeds it on its own
/// thread, line by line and in order (one task per line could reorder a transfer's start and end,
/// which come milliseconds apart); the supervisor reads it for every status.
final class StateTransferWatch: Sendable {
    private let progress: Mutex<StateTransferProgress>

    init(node: String) { progress = Mutex(StateTransferProgress(node: node)) }

    func observe(_ line: String) -> StateTransferLog.Event? {
        progress.withLock { $0.observe(line, at: Date()) }
    }

    var snapshot: StateTransferProgress { progress.withLock { $0 } }
}
