import ArgumentParser

/// The long-running roles, for the executable's root command: each runs until SIGTERM.
public enum RoleCommands {
    public static let all: [any ParsableCommand.Type] = [AgentCommand.self, ControllerCommand.self, OperatorCommand.self, InstallBinaryCommand.self]
}
