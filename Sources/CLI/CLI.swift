import ArgumentParser

public struct QMySQL: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kubectl-qmysql",
        subcommands: [AgentCommand.self]
    )
    public init() {}
    public func run() async throws {}
}
