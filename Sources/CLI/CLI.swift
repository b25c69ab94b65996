import ArgumentParser

public struct QMySQL: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kubectl-qmysql",
        subcommands: [AgentCommand.self, ControllerCommand.self]
    )
    public init() {}
}
