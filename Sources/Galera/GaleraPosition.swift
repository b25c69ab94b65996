/// A node's place in the cluster history: the cluster UUID and the sequence number of the last
/// transaction it applied, written `UUID:SEQNO` everywhere (grastate.dat, the recover log,
/// `--wsrep_start_position`).
public struct GaleraPosition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The lower-case cluster state UUID.
    public let uuid: String
    /// -1 means "unknown": the node crashed or is running.
    public let seqno: Int64

    public static let zeroUUID = "00000000-0000-0000-0000-000000000000"

    public init(uuid: String, seqno: Int64) throws(GaleraParseError) {
        guard let normalized = Self.normalizedUUID(uuid) else {
            throw GaleraParseError(source: "position", problem: "'\(uuid)' is not a UUID (expected 8-4-4-4-12 hex digits)")
        }
        guard seqno >= -1 else {
            throw GaleraParseError(source: "position", problem: "seqno \(seqno) is below -1")
        }
        self.uuid = normalized
        self.seqno = seqno
    }

    /// Parses `UUID:SEQNO`.
    public init(parsing text: some StringProtocol) throws(GaleraParseError) {
        let trimmed = text.trimmingWhitespace()
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw GaleraParseError(source: "position", problem: "'\(trimmed)' has no ':' (expected UUID:SEQNO)")
        }
        let uuidPart = trimmed[..<colon]
        let seqnoPart = trimmed[trimmed.index(after: colon)...]
        guard let seqno = Int64(seqnoPart) else {
            throw GaleraParseError(source: "position", problem: "'\(seqnoPart)' in '\(trimmed)' is not a sequence number")
        }
        try self.init(uuid: String(uuidPart), seqno: seqno)
    }

    /// The cluster UUID is all zeros: the node has no history (fresh datadir or a reset state).
    public var isZeroUUID: Bool { uuid == Self.zeroUUID }

    /// A position a node can be started or bootstrapped from: a real cluster and a real seqno.
    public var isDefined: Bool { !isZeroUUID && seqno >= 0 }

    public var description: String { "\(uuid):\(seqno)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The UUID in lower case, or nil when `text` is not 8-4-4-4-12 hex digits.
    public static func normalizedUUID(_ text: String) -> String? {
        let lower = text.lowercased()
        let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        guard groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return lower
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
