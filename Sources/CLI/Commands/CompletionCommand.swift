import ArgumentParser

struct CompletionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script (bash, zsh or fish).",
        discussion: """
            For `kubectl-qmysql` itself:
              source <(kubectl-qmysql completion bash)
            For `kubectl qmysql <TAB>` put completions/kubectl_complete-qmysql on PATH (kubectl 1.26+).
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable { case bash, zsh, fish }

    @Argument(help: "The shell.")
    var shell: Shell

    func run() async throws {
        // The root command lives in the executable (it adds the roles), so ask the executable.
        print(try SelfExecutable.output(["--generate-completion-script", shell.rawValue]), terminator: "")
    }
}
