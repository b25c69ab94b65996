import Foundation
import KubeAPI

/// Runs a kubeconfig `exec` credential plugin (client.authentication.k8s.io v1 or v1beta1)
/// and turns its ExecCredential into a `Credential`.
struct ExecCredentialPlugin: Sendable {
    var config: ExecConfig
    var cluster: ExecClusterInfo?
    /// The client's environment: the plugin inherits it, and a bare command is looked up in its `PATH`.
    var environment: [String: String]
    var userName: String?
    var configFile: String?
    var timeout: Duration = .seconds(120)

    func run() async throws(ExecPluginError) -> Credential {
        if config.interactiveMode == "Always" {
            throw failure(.interactiveRequired)
        }
        let executable = try resolveCommand()
        var env = environment
        for (name, value) in config.env { env[name] = value }
        env["KUBERNETES_EXEC_INFO"] = ExecCredential.input(apiVersion: config.apiVersion, cluster: cluster)
        let outcome: CredentialProcess.Outcome
        do {
            outcome = try await CredentialProcess.run(executable: executable, arguments: config.args, environment: env, timeout: timeout)
        } catch is CancellationError {
            throw failure(.cancelled)
        } catch {
            throw failure(.launchFailed("\(error)"))
        }
        let stderr = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if outcome.timedOut { throw failure(.timedOut(timeout, stderr: stderr)) }
        if outcome.signaled { throw failure(.killed(signal: outcome.status, stderr: stderr)) }
        guard outcome.status == 0 else { throw failure(.failed(exitCode: outcome.status, stderr: stderr)) }
        do {
            return try ExecCredential.parse(outcome.stdout, expectedVersion: config.apiVersion)
        } catch {
            throw failure(.invalidOutput(error.text, stderr: stderr))
        }
    }

    /// A command with a `/` is a path; a bare name is searched in `PATH` like a shell does.
    func resolveCommand() throws(ExecPluginError) -> String {
        let fileManager = FileManager.default
        if config.command.contains("/") {
            guard fileManager.fileExists(atPath: config.command) else { throw failure(.notFound(searched: nil)) }
            guard fileManager.isExecutableFile(atPath: config.command) else { throw failure(.notExecutable) }
            return config.command
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(config.command)"
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               fileManager.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw failure(.notFound(searched: path))
    }

    private func failure(_ problem: ExecPluginError.Problem) -> ExecPluginError {
        ExecPluginError(command: config.command, userName: userName, configFile: configFile,
                        installHint: config.installHint, problem: problem)
    }
}

/// An exec credential plugin could not produce a credential. The description names the
/// command, the user and kubeconfig, and shows the plugin's own stderr.
public struct ExecPluginError: Error, Sendable, CustomStringConvertible {
    public enum Problem: Sendable {
        case notFound(searched: String?)
        case notExecutable
        case launchFailed(String)
        case failed(exitCode: Int32, stderr: String)
        case killed(signal: Int32, stderr: String)
        case timedOut(Duration, stderr: String)
        case invalidOutput(String, stderr: String)
        case interactiveRequired
        case cancelled
    }

    public var command: String
    public var userName: String?
    public var configFile: String?
    public var installHint: String?
    public var problem: Problem

    public var description: String {
        var subject = "exec credential plugin `\(command)`"
        if let userName { subject += " of user \"\(userName)\"" }
        if let configFile { subject += " (\(configFile))" }
        switch problem {
        case .notFound(let searched):
            let where_ = searched.map { " in PATH (\($0))" } ?? ""
            return "\(subject) was not found\(where_)" + (installHint.map { ".\n\($0)" } ?? "")
        case .notExecutable:
            return "\(subject) is not executable; check its permissions (chmod +x)"
        case .launchFailed(let reason):
            return "\(subject) could not be started: \(reason)"
        case .failed(let code, let stderr):
            return "\(subject) failed with exit code \(code)" + Self.show(stderr)
        case .killed(let signal, let stderr):
            return "\(subject) was killed by signal \(signal)" + Self.show(stderr)
        case .timedOut(let timeout, let stderr):
            return "\(subject) did not finish within \(timeout) and was stopped" + Self.show(stderr)
        case .invalidOutput(let problem, let stderr):
            return "\(subject) \(problem)" + Self.show(stderr)
        case .interactiveRequired:
            return "\(subject) requires an interactive terminal (interactiveMode: Always), which this program does not provide; "
                + "log in with the plugin first or set interactiveMode to IfAvailable"
        case .cancelled:
            return "\(subject) was cancelled"
        }
    }

    /// The plugin's stderr, which usually says what went wrong (expired login, missing profile),
    /// cut to a readable length.
    private static func show(_ stderr: String) -> String {
        guard !stderr.isEmpty else { return " (it wrote nothing to stderr)" }
        let limit = 4000
        let text = stderr.count > limit ? "…" + stderr.suffix(limit) : Substring(stderr)
        return "; its stderr:\n\(text)"
    }
}
