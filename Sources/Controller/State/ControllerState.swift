import Binlog
import ControllerAPI
import Foundation

/// What the controller must remember across its own restarts: the desired state it last
/// accepted, that the cluster was formed and under which Galera UUID, and which nodes were ever
/// members. A small JSON file (`--state-file`) written atomically; on Kubernetes it lives on the
/// backup store's volume, which outlives the controller's pod (docs/controller.md, "State").
public struct ControllerState: Codable, Sendable, Hashable {
    /// nil until the cluster was formed.
    public var clusterUUID: String?
    /// The nodes seen Synced in a Primary component under `clusterUUID`, when the controller has
    /// watched since the cluster was formed under it (nil: no complete record, e.g. a file
    /// written before members were recorded). A node not in a complete record never was a
    /// member and holds nothing of its own.
    public var members: [String]?
    /// The last `ControllerSpec` accepted: a restarted controller runs with it at once, before
    /// the operator sends it again.
    public var spec: ControllerSpec?
    /// false while a cluster formed under this controller has not been Green yet (its phase is
    /// still Forming); nil in files written before it was recorded: complete.
    public var formationComplete: Bool?
    /// The running restore's progress (nil: none runs): the next controller resumes it.
    public var restore: RestoreProgress?
    /// The newest restores that ended: asked again for one, the controller says how it ended.
    public var finishedRestores: [DataTaskStatus]?
    /// The binary log archive's current history (a restore begins a new one).
    public var archiveHistory: ArchiveHistory?
    /// The last writer chosen: a restarted controller keeps it while it is fit (no move).
    public var writer: String?

    public init(clusterUUID: String?, members: [String]? = nil, spec: ControllerSpec? = nil, formationComplete: Bool? = nil) {
        self.clusterUUID = clusterUUID
        self.members = members
        self.spec = spec
        self.formationComplete = formationComplete
    }

    /// The state in `path`, or nil when there is none yet (or no path). An unreadable file is
    /// nil too: the operator's spec (or the nodes' own data) then decides.
    public static func read(from path: String?) -> ControllerState? {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ControllerState.self, from: data)
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
