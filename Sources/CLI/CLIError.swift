/// The exit codes of `kubectl-qmysql`, documented in docs/cli.md. Scripts branch on them, so
/// they never change meaning.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// The API server refused or failed the request, or something else went wrong.
    case failure = 1
    /// The kubeconfig is missing or broken, or the server cannot be reached.
    case configuration = 2
    /// The named object does not exist (or the CRDs are not installed).
    case notFound = 3
    /// A destructive command was not confirmed (declined, or no terminal and no `--yes`).
    case notConfirmed = 4
    /// `--wait` ran out of time before the task finished.
    case timedOut = 5
    /// The task it waited for ended in failure (or was cancelled).
    case taskFailed = 6
    /// Another restore wizard drives the task (its lease is fresh).
    case busy = 7
    /// Interrupted (Ctrl-C, a lost terminal, SIGTERM); the restore waits or goes on in the cluster.
    case interrupted = 130
    /// The arguments are wrong (argument-parser's standard code).
    case usage = 64
}

/// An error the CLI reports to a person: what went wrong, and what to do next. Its exit status
/// tells scripts which kind of failure it was.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var hint: String?
    public var status: ExitStatus

    public init(_ message: String, hint: String? = nil, status: ExitStatus = .failure) {
        self.message = message
        self.hint = hint
        self.status = status
    }

    public var description: String {
        guard let hint else { return message }
        return "\(message)\n\(hint)"
    }
}
