import ArgumentParser
import CLI
import QiniuAPI
import Roles

/// One executable: the kubectl plugin's commands and every long-running role, chosen by subcommand.
struct QMySQL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl-qmysql",
        abstract: UserCommands.abstract,
        discussion: UserCommands.discussion,
        version: QMySQLVersion.current,
        subcommands: UserCommands.resources + RoleCommands.all + UserCommands.tooling)
}

await UserCommands.runAndExit(QMySQL.self)
