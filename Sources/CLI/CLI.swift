import ArgumentParser
import Foundation

/// `kubectl-qmysql`: the kubectl plugin and every long-running role of qmysql, chosen by subcommand.
public struct QMySQL: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kubectl-qmysql",
        abstract: "Highly available MySQL (Galera) clusters on Kubernetes.",
        discussion: """
            Installed on PATH, it is the kubectl plugin `kubectl qmysql`. It reads kubeconfig like
            kubectl (--kubeconfig, KUBECONFIG, ~/.kube/config, --context, -n).

              kubectl qmysql install
              kubectl qmysql create demo
              kubectl qmysql status demo
            """,
        version: QMySQLVersion.current,
        subcommands: [
            InstallCommand.self, CreateCommand.self, GetCommand.self, StatusCommand.self, DeleteCommand.self,
            BackupCommand.self, RestoreCommand.self, DataCommand.self, VersionCommand.self,
            AgentCommand.self, ControllerCommand.self,
            CompletionCommand.self, GenerateDocsCommand.self, CompleteCommand.self,
        ])

    public init() {}

    /// Runs the command line and exits with the documented status (docs/cli.md).
    public static func runAndExit() async -> Never {
        do {
            // The async parse: the synchronous one refuses async subcommands at run time.
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(ExitStatus.success.rawValue)
        } catch let error as CLIError {
            StandardError.write("error: \(error.description)\n")
            Foundation.exit(error.status.rawValue)
        } catch {
            QMySQL.exit(withError: error)
        }
    }
}
