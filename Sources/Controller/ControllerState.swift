import Foundation

/// What the controller must remember across its own restarts when no operator hands it back:
/// that the cluster was formed, and under which Galera UUID. Kept as a small JSON file
/// (`--state-file`), written atomically; the operator keeps the same fact in the QiniuMySQL's
/// status and passes it as `--formed-uuid`.
public struct ControllerState: Codable, Sendable, Hashable {
    public var clusterUUID: String

    public init(clusterUUID: String) { self.clusterUUID = clusterUUID }

    /// The state in `path`, or nil when there is none yet (or no path). An unreadable file is
    /// nil too: the operator's `--formed-uuid` (or the nodes' own data) then decides.
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
