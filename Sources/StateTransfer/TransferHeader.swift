import Galera

/// The first line the donor sends the joiner: the protocol's version, what follows (a full copy,
/// or nothing because Galera sends IST itself), and the position it stands for.
///
///     qmysql-sst 1 sst 6f1d1b5e-3c3a-11ef-8a7e-0242ac120002:42 0
///
/// A full copy follows as a zstd-compressed xbstream, as a hot backup is stored.
public struct TransferHeader: Sendable, Equatable {
    public enum Kind: String, Sendable { case sst, ist }

    public static let magic = "qmysql-sst"
    public static let version = 1
    /// A header is one short line; anything longer is not ours.
    public static let maximumLength = 256

    public var kind: Kind
    public var position: GaleraPosition
    public var domainID: Int

    public init(kind: Kind, position: GaleraPosition, domainID: Int) {
        self.kind = kind
        self.position = position
        self.domainID = domainID
    }

    public var line: String { "\(Self.magic) \(Self.version) \(kind.rawValue) \(position) \(domainID)\n" }

    public struct Problem: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    public init(parsing line: String) throws(Problem) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5, fields[0] == Self.magic else {
            throw Problem(description: "the donor did not speak the qmysql transfer protocol (first line '\(line.prefix(80))'): is the donor's wsrep_sst_method qmysql too?")
        }
        guard fields[1] == String(Self.version) else {
            throw Problem(description: "the donor speaks version \(fields[1]) of the qmysql transfer protocol, this joiner \(Self.version): run one qmysql version on every node")
        }
        guard let kind = Kind(rawValue: fields[2]), let position = try? GaleraPosition(parsing: fields[3]), let domain = Int(fields[4]) else {
            throw Problem(description: "the donor's first line '\(line.prefix(120))' is malformed")
        }
        self.init(kind: kind, position: position, domainID: domain)
    }

    /// What the joiner prints last, for mysqld: `UUID:SEQNO DOMAIN`.
    public var joinerResult: String { "\(position) \(domainID)" }
}
