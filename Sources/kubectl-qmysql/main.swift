import Foundation
import ArgumentParser
import CLI
import QiniuAPI
import Roles
import StateTransfer

/// One executable: the kubectl plugin's commands and every long-running role, chosen by subcommand.
struct QMySQL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl-qmysql",
        abstract: UserCommands.abstract,
        discussion: UserCommands.discussion,
        version: QMySQLVersion.current,
        subcommands: UserCommands.resources + RoleCommands.all + UserCommands.tooling)
}

// Run as `wsrep_sst_qmysql` (the link the agent puts on mysqld's PATH), this is a state transfer,
// with mysqld's arguments and protocol, not a command.
if (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }) == StateTransferMethod.programName {
    exit(await StateTransferMethod.run(arguments: Array(CommandLine.arguments.dropFirst())))
}
await UserCommands.runAndExit(QMySQL.self)
