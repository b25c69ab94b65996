import Foundation

/// What a joiner's error log says about the state transfer it receives. The lines (MariaDB 10.11
/// with the mariabackup SST script; Galera's own lines are the same for Percona XtraDB Cluster):
///
///     WSREP: Shifting PRIMARY -> JOINER (TO: 23)                    a transfer is requested
///     WSREP_SST: [INFO] Proceeding with SST                          the donor sends a full copy
///     WSREP_SST: [INFO] 'xtrabackup_ist' received from donor: Running IST
///     WSREP: Receiving IST: 2 writesets, seqnos 22-23                 (and after an SST, the catch-up)
///     WSREP_SST: [INFO] mariabackup IST completed on joiner          (or "SST completed on joiner")
///     WSREP: Shifting JOINER -> JOINED (TO: 23)                       the transfer is over
///     WSREP: Receiving IST... 100.0% (22/22 events) complete.        (may come after JOINED)
///
/// The SST script also runs for IST, so its "completed" line is how IST and full SST are told apart.
public enum StateTransferLog {
    public enum Method: String, Sendable, Hashable, Codable {
        case ist = "IST"
        case sst = "SST"
    }

    public enum Event: Sendable, Hashable {
        case requested
        /// The SST script says which transfer it receives (it only runs while one does).
        case receiving(Method)
        /// Galera applies IST writesets: the transfer under way, if any, is now an IST. Its
        /// progress lines can come after the joiner has joined, so they never start a transfer.
        case applyingIST
        case completed(Method)
        /// `JOINER -> JOINED`, or `JOINED -> SYNCED` should the first have been missed.
        case joined
        /// Our method's joiner has received so many bytes of the copy (compressed, as sent).
        case progress(bytes: Int64)
        /// Galera chose a donor for a joiner (logged on every member, just before the joiner's
        /// `PRIMARY -> JOINER`): "Member 1.0 (demo-1) requested state transfer from '*any*'.
        /// Selected 0.0 (demo-0)(SYNCED) as donor."
        case donorSelected(joiner: String, donor: String)
    }

    /// What our joiner logs as the copy arrives: `qmysql joiner: received N bytes of the copy ...`.
    public static let progressMarker = "qmysql joiner: received "

    public static func event(in line: some StringProtocol) -> Event? {
        // Cheap rejection first: the follower calls this for every line of the log.
        if line.contains("requested state transfer"), line.contains("as donor") { return donorSelection(in: String(line)) }
        guard line.contains("JOINE") || line.contains("SST") || line.contains("IST") else { return nil }
        if let marker = line.range(of: progressMarker) {
            let digits = line[marker.upperBound...].prefix { $0.isNumber }
            return Int64(digits).map { .progress(bytes: $0) }
        }
        if line.contains("IST completed on joiner") { return .completed(.ist) }
        if line.contains("SST completed on joiner") { return .completed(.sst) }
        if line.contains("Proceeding with SST") { return .receiving(.sst) }
        if line.contains("Running IST") { return .receiving(.ist) }
        if line.contains("Receiving IST") { return .applyingIST }
        if line.contains("Shifting PRIMARY -> JOINER") { return .requested }
        if line.contains("Shifting JOINER -> JOINED") || line.contains("Shifting JOINED -> SYNCED") { return .joined }
        return nil
    }

    /// The names in "Member M (JOINER) requested state transfer from 'X'. Selected N (DONOR)(STATE) as donor."
    static func donorSelection(in line: String) -> Event? {
        guard let member = line.range(of: "Member "), let requested = line.range(of: " requested state transfer", range: member.upperBound..<line.endIndex),
              let selected = line.range(of: "Selected ", range: requested.upperBound..<line.endIndex),
              let joiner = firstParenthesised(line[member.upperBound..<requested.lowerBound]),
              let donor = firstParenthesised(line[selected.upperBound...]) else { return nil }
        return .donorSelected(joiner: joiner, donor: donor)
    }

    private static func firstParenthesised(_ text: Substring) -> String? {
        guard let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") else { return nil }
        let name = text[text.index(after: open)..<close]
        return name.isEmpty ? nil : String(name)
    }
}

/// The state transfer a node is receiving and the last one it finished, folded from its error
/// log one line at a time (in order: the agent feeds it from the log follower's thread).
public struct StateTransferProgress: Sendable, Hashable {
    public struct Current: Sendable, Hashable {
        /// nil until the donor has chosen between IST and a full SST.
        public var method: StateTransferLog.Method?
        public var since: Date
        /// The donor Galera chose (its node name), when the log said so.
        public var donor: String?
        /// Bytes of a full copy received so far, and when the joiner said so (our method logs it).
        public var bytes: Int64?
        public var bytesAt: Date?

        public init(method: StateTransferLog.Method?, since: Date, donor: String? = nil, bytes: Int64? = nil, bytesAt: Date? = nil) {
            self.method = method
            self.since = since
            self.donor = donor
            self.bytes = bytes
            self.bytesAt = bytesAt
        }

        /// Bytes a second since the transfer began, once some arrived.
        public var rate: Double? {
            guard let bytes, let bytesAt, bytesAt > since else { return nil }
            return Double(bytes) / bytesAt.timeIntervalSince(since)
        }
    }

    public struct Completed: Sendable, Hashable {
        public var method: StateTransferLog.Method
        public var at: Date
        /// The log line that said so.
        public var line: String
    }

    /// The transfer under way. A mysqld that dies mid-transfer never logs its end: readers ignore
    /// a transfer that began before the running mysqld started.
    public private(set) var current: Current?
    public private(set) var completed: Completed?
    /// This node's name: only the donor chosen for it matters.
    public let node: String?
    /// The donor chosen for this node's next transfer (its selection precedes `PRIMARY -> JOINER`).
    private var selectedDonor: String?

    public init(node: String? = nil) { self.node = node }

    /// Folds one log line; returns its event when it changed anything (IST progress lines repeat).
    @discardableResult
    public mutating func observe(_ line: some StringProtocol, at time: Date) -> StateTransferLog.Event? {
        guard let event = StateTransferLog.event(in: line) else { return nil }
        let before = self
        switch event {
        case .requested:
            current = Current(method: nil, since: time, donor: selectedDonor)
        case .receiving(let method):
            current = Current(method: method, since: current?.since ?? time, donor: current?.donor ?? selectedDonor,
                              bytes: current?.bytes, bytesAt: current?.bytesAt)
        case .progress(let bytes):
            guard current != nil else { return nil }
            current?.bytes = bytes
            current?.bytesAt = time
        case .applyingIST:
            // After an SST the joiner catches up by IST: the transfer is then an IST.
            if let since = current?.since { current = Current(method: .ist, since: since, donor: current?.donor) }
        case .donorSelected(let joiner, let donor):
            guard joiner == node else { return nil }
            selectedDonor = donor
            if current != nil { current?.donor = donor }
        case .completed(let method):
            completed = Completed(method: method, at: time, line: String(line.prefix(500)))
        case .joined:
            current = nil
        }
        return self == before ? nil : event
    }
}
