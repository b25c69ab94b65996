import ArgumentParser
import Foundation

/// The user's commands, for the executable's root command (which adds the long-running roles).
public enum UserCommands {
    /// What a person runs against a Kubernetes cluster, in the order `--help` lists them.
    public static let resources: [any ParsableCommand.Type] = [
        InstallCommand.self, CreateCommand.self, GetCommand.self, StatusCommand.self, DeleteCommand.self,
        BackupCommand.self, BackupsCommand.self, RestoreCommand.self, DataCommand.self, SwitchoverCommand.self, MySQLCommand.self, CredentialCommand.self,
        PlaygroundCommand.self, VersionCommand.self,
    ]
    /// Shell integration and the maintainers' generator; listed after the roles.
    public static let tooling: [any ParsableCommand.Type] = [
        CompletionCommand.self, GenerateDocsCommand.self, CompleteCommand.self,
    ]

    /// The root command's help text.
    public static let abstract = "Highly available MySQL (Galera) clusters on Kubernetes."
    public static let discussion = """
        Installed on PATH, it is the kubectl plugin `kubectl qmysql`. It reads kubeconfig like \
        kubectl (--kubeconfig, KUBECONFIG, ~/.kube/config, --context, -n).

          kubectl qmysql install
          kubectl qmysql create demo
          kubectl qmysql status demo
        """

    /// Parses the command line with `Root`, runs the command and exits with the documented
    /// status (docs/cli.md).
    public static func runAndExit<Root: AsyncParsableCommand>(_ root: Root.Type) async -> Never {
        do {
            // The async parse: the synchronous one refuses async subcommands at run time.
            var command = try await root.asyncParseAsRoot()
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
            root.exit(withError: error)
        }
    }
}
