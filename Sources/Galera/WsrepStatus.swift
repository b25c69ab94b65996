/// The node's live Galera state, read with `SHOW GLOBAL STATUS LIKE 'wsrep_%'`.
public struct WsrepStatus: Sendable, Hashable, Codable {
    /// `wsrep_cluster_status`: whether this node is part of the component that may commit.
    public enum ClusterStatus: Sendable, Hashable, Codable, CustomStringConvertible {
        case primary
        case nonPrimary
        case disconnected
        case other(String)

        public init(_ text: String) {
            switch text.lowercased() {
            case "primary": self = .primary
            case "non-primary": self = .nonPrimary
            case "disconnected": self = .disconnected
            default: self = .other(text)
            }
        }

        public var description: String {
            switch self {
            case .primary: "Primary"
            case .nonPrimary: "non-Primary"
            case .disconnected: "Disconnected"
            case .other(let text): text
            }
        }

        public init(from decoder: any Decoder) throws {
            self.init(try decoder.singleValueContainer().decode(String.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// `wsrep_local_state`: 1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced (0 before any view).
    public static let syncedLocalState = 4

    public var clusterStatus: ClusterStatus
    public var localState: Int
    /// `wsrep_local_state_comment`, e.g. "Synced", "Joining: receiving State Transfer", "Initialized".
    public var localStateComment: String
    public var ready: Bool
    public var connected: Bool
    public var clusterSize: Int
    public var clusterStateUUID: String
    public var localStateUUID: String
    public var lastCommitted: Int64
    /// `wsrep_cluster_conf_id`: the number of the view this node is in. Members of one Primary
    /// component agree on it; a node that reports an older one (it was frozen while the others
    /// moved on) has not noticed that it left. nil when not read (older agents).
    public var clusterConfID: Int64?
    /// `wsrep_gcomm_uuid`: this mysqld's identity in the group (a new one at every start), what
    /// Galera's `evs.evict` names. nil when not read (older agents).
    public var gcommUUID: String?
    /// Every `wsrep_%` row as read, for metrics and for values this type does not name.
    /// Not encoded: reports stay small.
    public var raw: [String: String] = [:]

    private enum CodingKeys: String, CodingKey {
        case clusterStatus, localState, localStateComment, ready, connected, clusterSize
        case clusterStateUUID, localStateUUID, lastCommitted, clusterConfID, gcommUUID
    }

    public init(
        clusterStatus: ClusterStatus, localState: Int, localStateComment: String, ready: Bool,
        connected: Bool, clusterSize: Int, clusterStateUUID: String, localStateUUID: String,
        lastCommitted: Int64, clusterConfID: Int64? = nil, gcommUUID: String? = nil, raw: [String: String] = [:]
    ) {
        self.gcommUUID = gcommUUID
        self.clusterStatus = clusterStatus
        self.localState = localState
        self.localStateComment = localStateComment
        self.ready = ready
        self.connected = connected
        self.clusterSize = clusterSize
        self.clusterStateUUID = clusterStateUUID
        self.localStateUUID = localStateUUID
        self.lastCommitted = lastCommitted
        self.clusterConfID = clusterConfID
        self.raw = raw
    }

    /// Synced and a member of the Primary component: the node serves reads and writes.
    public var isSyncedPrimary: Bool {
        clusterStatus == .primary && localState == Self.syncedLocalState && ready
    }

    /// Builds the status from `(Variable_name, Value)` rows. Names are matched case-insensitively.
    /// A server without Galera (no `wsrep_cluster_status` row, or wsrep_on=OFF) is an error, as is
    /// a value of the wrong type; unknown rows are kept in `raw`.
    public init(rows: [(name: String, value: String?)], source: String = "SHOW GLOBAL STATUS LIKE 'wsrep_%'") throws(GaleraParseError) {
        var raw: [String: String] = [:]
        for row in rows { raw[row.name.lowercased()] = row.value ?? "" }
        func fail(_ problem: String) -> GaleraParseError { GaleraParseError(source: source, problem: problem) }
        func text(_ name: String) throws(GaleraParseError) -> String {
            guard let value = raw[name] else {
                throw fail("no \(name) row: is this server running with wsrep_on=ON and a Galera provider?")
            }
            return value
        }
        func integer(_ name: String) throws(GaleraParseError) -> Int64 {
            let value = try text(name)
            guard let number = Int64(value) else { throw fail("\(name) '\(value)' is not a number") }
            return number
        }
        func flag(_ name: String) throws(GaleraParseError) -> Bool {
            switch try text(name).uppercased() {
            case "ON", "1", "TRUE": return true
            case "OFF", "0", "FALSE", "": return false
            case let other: throw fail("\(name) '\(other)' is neither ON nor OFF")
            }
        }
        self.init(
            clusterStatus: ClusterStatus(try text("wsrep_cluster_status")),
            localState: Int(try integer("wsrep_local_state")),
            localStateComment: try text("wsrep_local_state_comment"),
            ready: try flag("wsrep_ready"),
            connected: try flag("wsrep_connected"),
            clusterSize: Int(try integer("wsrep_cluster_size")),
            clusterStateUUID: try text("wsrep_cluster_state_uuid"),
            localStateUUID: raw["wsrep_local_state_uuid"] ?? "",
            lastCommitted: try integer("wsrep_last_committed"),
            clusterConfID: raw["wsrep_cluster_conf_id"].flatMap { Int64($0) },
            gcommUUID: raw["wsrep_gcomm_uuid"].flatMap { $0.isEmpty ? nil : $0 },
            raw: raw)
    }
}
