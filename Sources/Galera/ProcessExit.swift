/// How a mysqld process ended, as `waitpid` reported it.
public enum ProcessExit: Sendable, Hashable, Codable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)

    /// Exit code 0: mysqld shut down on its own terms. A signal or a non-zero code is not clean,
    /// whatever grastate.dat says.
    public var isClean: Bool {
        if case .exited(code: 0) = self { true } else { false }
    }

    private enum CodingKeys: String, CodingKey { case code, signal }

    /// `{"code": 0}` or `{"signal": 9}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let signal = try container.decodeIfPresent(Int32.self, forKey: .signal) {
            self = .signaled(signal: signal)
        } else {
            self = .exited(code: try container.decode(Int32.self, forKey: .code))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .exited(let code): try container.encode(code, forKey: .code)
        case .signaled(let signal): try container.encode(signal, forKey: .signal)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "killed by signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")"
        }
    }

    static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 6: "SIGABRT"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 15: "SIGTERM"
        default: nil
        }
    }
}
