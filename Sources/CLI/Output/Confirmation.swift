import Foundation

/// Asks a person before a destructive step. Without a terminal there is nobody to ask, so the
/// command refuses unless `--yes` was given: a script must say what it means.
struct Confirmation {
    var assumeYes: Bool
    var terminal: Terminal
    /// Reads one line of the answer; replaced in tests.
    var readAnswer: @Sendable () -> String? = { readLine(strippingNewline: true) }

    func confirm(_ question: String, flagHint: String = "--yes") throws {
        if assumeYes { return }
        guard terminal.stdinIsTerminal else {
            throw CLIError(
                "refusing to \(question) without confirmation: standard input is not a terminal",
                hint: "re-run with \(flagHint) to confirm non-interactively", status: .notConfirmed)
        }
        StandardError.write("\(question.prefix(1).uppercased() + question.dropFirst())? [y/N] ")
        let answer = (readAnswer() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else {
            throw CLIError("not confirmed: nothing was changed", status: .notConfirmed)
        }
    }
}
