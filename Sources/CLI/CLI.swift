import ArgumentParser

public struct QMySQL: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "kubectl-qmysql")
    public init() {}
    public func run() async throws {}
}
