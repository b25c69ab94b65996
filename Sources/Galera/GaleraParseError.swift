/// A Galera artefact (grastate.dat, a recover log, a status row, a position) that could not be read.
/// The message names the source, the problem, and where it is known, the line.
public struct GaleraParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being read, e.g. "grastate.dat" or "/data/wsrep-recover.log".
    public var source: String
    /// What is wrong with it.
    public var problem: String
    /// The 1-based line, when the problem is on one line.
    public var line: Int?

    public init(source: String, problem: String, line: Int? = nil) {
        self.source = source
        self.problem = problem
        self.line = line
    }

    public var description: String {
        if let line { "\(source) line \(line): \(problem)" } else { "\(source): \(problem)" }
    }
}
