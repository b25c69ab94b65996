import Backup
import ControllerAPI
import Foundation
import Galera

/// The settings of a running controller that change in place: first its command line's, then
/// each `ControllerSpec` the operator sends (`PUT /v1/spec`). A spec is parsed and checked whole
/// before it replaces the current state, so a bad one changes nothing.
public struct DesiredState: Sendable, Equatable {
    /// The spec's generation; nil while the controller runs with its command line's settings.
    public var generation: Int64?
    /// In ordinal order. Empty: nothing to watch yet (a controller that waits for its first spec).
    public var nodes: [NodeEndpoint]
    /// How many Synced nodes make the cluster Green.
    public var replicas: Int
    public var paused: Bool
    public var autoRecovery: Bool
    /// The formed UUID the operator recorded (the controller also learns it by itself).
    public var formedUUID: String?
    public var backupSchedule: BackupSchedule?
    public var reservedDays: Int
    /// Segment seconds of the binary log archive; nil: not archived.
    public var archiveSegmentSeconds: Int?
    /// The writer a switchover asks for (`WriterChoice`); nil: none.
    public var preferredWriter: String?
    /// The spec this came from, as sent (kept in the state file).
    public var spec: ControllerSpec?

    /// The command line's settings.
    public init(configuration: ControllerConfiguration) {
        nodes = configuration.nodes
        replicas = configuration.replicas
        paused = configuration.paused
        autoRecovery = configuration.autoRecovery
        formedUUID = configuration.formedUUID
        backupSchedule = configuration.backupSchedule
        reservedDays = configuration.backupReservedDays
        archiveSegmentSeconds = configuration.archiveSegmentSeconds
    }

    /// The range `spec.backup.pitr.segmentSeconds` may take.
    public static let segmentSecondsRange = 1...300

    /// A spec's settings; every problem found is listed, each saying which field and why.
    public init(spec: ControllerSpec) throws(SpecProblems) {
        var problems: [String] = []
        var nodes: [NodeEndpoint] = []
        for (ordinal, node) in spec.nodes.enumerated() {
            do {
                nodes.append(try NodeEndpoint(parsing: node.argument, ordinal: ordinal))
            } catch {
                problems.append("nodes[\(ordinal)] (\(node.name)): \(error.problem)")
            }
        }
        if spec.nodes.isEmpty { problems.append("nodes is empty; a cluster has at least one node") }
        let names = spec.nodes.map(\.name)
        for name in Set(names) where names.filter({ $0 == name }).count > 1 {
            problems.append("node \(name) is given twice; node names are unique")
        }
        let replicas = spec.replicas ?? spec.nodes.count
        if !spec.nodes.isEmpty, !(1...spec.nodes.count).contains(replicas) {
            problems.append("replicas is \(replicas), outside 1...\(spec.nodes.count) (the number of nodes)")
        }
        if let uuid = spec.formedUUID, GaleraPosition.normalizedUUID(uuid) == nil || uuid == GaleraPosition.zeroUUID {
            problems.append("formedUUID '\(uuid)' is not a Galera cluster UUID (8-4-4-4-12 hex digits, not all zero)")
        }
        var schedule: BackupSchedule?
        if let wanted = spec.backupSchedule {
            if let zone = TimeZone(identifier: wanted.timeZone ?? "UTC") {
                do {
                    schedule = try BackupSchedule(parsing: wanted.times, timeZone: zone)
                } catch {
                    problems.append("backupSchedule.times: \(error.description)")
                }
            } else {
                problems.append("backupSchedule.timeZone '\(wanted.timeZone ?? "")' is not a time zone, like UTC or Asia/Shanghai")
            }
        }
        if spec.reservedDays < 1 { problems.append("reservedDays is \(spec.reservedDays); backups are kept 1 day or more") }
        if let seconds = spec.pitrSegmentSeconds, !Self.segmentSecondsRange.contains(seconds) {
            problems.append("pitrSegmentSeconds is \(seconds), outside \(Self.segmentSecondsRange.lowerBound)...\(Self.segmentSecondsRange.upperBound)")
        }
        if spec.generation < 0 { problems.append("generation is \(spec.generation); generations start at 0") }
        guard problems.isEmpty else { throw SpecProblems(problems: problems) }
        generation = spec.generation
        self.nodes = nodes
        self.replicas = replicas
        paused = spec.intent == .paused
        autoRecovery = spec.autoRecovery
        formedUUID = spec.formedUUID.map { $0.lowercased() }
        backupSchedule = schedule
        reservedDays = spec.reservedDays
        archiveSegmentSeconds = spec.pitrSegmentSeconds
        preferredWriter = spec.preferredWriter
        self.spec = spec
    }

    /// What changed from `old`, in words, for the log ("paused", "autoRecovery off", ...).
    public func changes(from old: DesiredState) -> [String] {
        var changes: [String] = []
        if nodes != old.nodes { changes.append("nodes \(nodes.map(\.name).joined(separator: ","))") }
        if replicas != old.replicas { changes.append("replicas \(replicas)") }
        if paused != old.paused { changes.append(paused ? "paused" : "unpaused") }
        if autoRecovery != old.autoRecovery { changes.append("autoRecovery \(autoRecovery ? "on" : "off")") }
        if formedUUID != old.formedUUID { changes.append("formedUUID \(formedUUID ?? "none")") }
        if backupSchedule != old.backupSchedule {
            changes.append("backup schedule \(spec?.backupSchedule.map { "\($0.times) \($0.timeZone ?? "UTC")" } ?? "off")")
        }
        if reservedDays != old.reservedDays { changes.append("reservedDays \(reservedDays)") }
        if archiveSegmentSeconds != old.archiveSegmentSeconds {
            changes.append("binary log archive \(archiveSegmentSeconds.map { "every \($0) s" } ?? "off")")
        }
        if preferredWriter != old.preferredWriter { changes.append("preferred writer \(preferredWriter ?? "none")") }
        return changes
    }
}

/// Why a `ControllerSpec` was refused (`422 invalidSpec`).
public struct SpecProblems: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String { "the spec is invalid: " + problems.joined(separator: "; ") }
}
