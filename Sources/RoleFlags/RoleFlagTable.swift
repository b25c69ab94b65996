/// A role's whole command line: its flags in the order they are rendered, and the options a
/// command line without any optional flag stands for (what rendering leaves out).
public struct RoleFlagTable<Options: Equatable> {
    public let flags: [RoleFlag<Options>]
    public let defaults: Options

    public init(defaults: Options, _ flags: [RoleFlag<Options>]) {
        precondition(Set(flags.map(\.name)).count == flags.count, "a flag is declared twice")
        self.defaults = defaults
        self.flags = flags
    }

    /// The arguments that stand for `options`: required flags always, the others only where
    /// they differ from the defaults, so that a rendered pod template stays short, and stable
    /// when a default changes nothing.
    public func arguments(_ options: Options) -> [String] {
        var arguments: [String] = []
        for flag in flags {
            let values = flag.read(options)
            if !flag.required, values == flag.read(defaults) { continue }
            switch flag.form {
            case .value, .repeated:
                for value in values { arguments += [flag.option, value] }
            case .presence:
                if values == ["true"] { arguments.append(flag.option) }
            case .toggle:
                arguments.append(values == ["true"] ? flag.option : "--no-\(flag.name)")
            }
        }
        return arguments
    }

    /// The options a command line gave: each flag's values by name (none: its default), written
    /// over the defaults in the table's order.
    public func options(given: [String: [String]]) throws(RoleFlagProblem) -> Options {
        var options = defaults
        for flag in flags {
            guard let values = given[flag.name], !values.isEmpty else { continue }
            try flag.write(&options, values)
        }
        return options
    }

    /// A flag's default as help shows it; nil when it has none worth saying.
    func shownDefault(of flag: RoleFlag<Options>) -> String? {
        guard !flag.required else { return nil }
        let values = flag.read(defaults)
        switch flag.form {
        case .value: return values.first
        case .repeated, .presence: return nil
        case .toggle: return values == ["true"] ? flag.option : "--no-\(flag.name)"
        }
    }
}
