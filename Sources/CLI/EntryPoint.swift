import ArgumentParser

extension QMySQL {
    /// The program's entry point. `await QMySQL.main()` in top-level code resolves to the
    /// synchronous `ParsableCommand.main()`, which refuses async subcommands at run time; this
    /// is the body of ArgumentParser's async entry point, called by name.
    public static func runAsRoot() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
