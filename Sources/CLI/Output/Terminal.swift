#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What the process is attached to. Colour and prompts are only for a person at a terminal:
/// a pipe, a file or CI gets plain text and never waits for an answer.
struct Terminal: Sendable {
    var stdoutIsTerminal: Bool
    var stdinIsTerminal: Bool
    var colourEnabled: Bool

    static var current: Terminal {
        let environment = ProcessInfo.processInfo.environment
        let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
        // https://no-color.org: any non-empty NO_COLOR turns colour off; TERM=dumb has none.
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return Terminal(
            stdoutIsTerminal: stdoutIsTerminal,
            stdinIsTerminal: isatty(STDIN_FILENO) == 1,
            colourEnabled: stdoutIsTerminal && !noColour)
    }

    enum Colour: String {
        case green = "32"
        case yellow = "33"
        case red = "31"
        case dim = "2"
        case bold = "1"
    }

    func paint(_ text: String, _ colour: Colour) -> String {
        colourEnabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Colours a state word by what it means: Green is good, Yellow degraded, Red down.
    func paintState(_ state: String) -> String {
        switch state.lowercased() {
        case "green", "succeeded", "true", "synced": paint(state, .green)
        case "yellow", "running", "pending", "waitingforapproval", "cancelled", "joining", "joined", "donor/desynced": paint(state, .yellow)
        case let s where s.hasPrefix("red") || s == "failed" || s == "unknown": paint(state, .red)
        default: state
        }
    }
}

/// Writes to standard error without buffering, for progress and prompts that must not mix with data on stdout.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
