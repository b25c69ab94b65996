import Foundation

/// One flag of a role's command line (`kubectl-qmysql agent`, `kubectl-qmysql controller`),
/// declared once: its name, its help, and how its value is read from and written to the role's
/// typed options. Whoever starts a role renders its arguments through the table
/// (`RoleFlagTable.arguments`), the role's command parses them back through the same table, and
/// the command's ArgumentParser declarations are generated from it (`RoleFlagSource`, written by
/// `kubectl-qmysql generate-docs`): no list of flags is kept equal to another by hand.
///
/// Not `Sendable`: a table holds key paths and closures, and is built where it is used (a
/// static computed property), never shared.
public struct RoleFlag<Options> {
    public enum Form: Equatable, Sendable {
        /// `--name VALUE`, at most once.
        case value
        /// `--name VALUE`, any number of times, in order.
        case repeated
        /// `--name` alone: given or not.
        case presence
        /// `--name` or `--no-name`; neither: the default.
        case toggle
    }

    /// The long name, without its dashes: `node-name`.
    public let name: String
    public let help: String
    public let form: Form
    /// Given on every command line, and rendered whatever its value.
    public let required: Bool
    /// What help calls the value (`seconds`, `file`).
    public let valueName: String
    /// The values a shell completes (an enumeration's cases); empty: any.
    public let choices: [String]
    /// The value as the command line carries it: none when absent; a presence flag or a toggle
    /// reads "true" or "false".
    let read: (Options) -> [String]
    let write: (inout Options, [String]) throws(RoleFlagProblem) -> Void

    public init(name: String, help: String, form: Form, required: Bool = false, valueName: String = "value", choices: [String] = [],
                read: @escaping (Options) -> [String], write: @escaping (inout Options, [String]) throws(RoleFlagProblem) -> Void) {
        self.name = name
        self.help = help
        self.form = form
        self.required = required
        self.valueName = valueName
        self.choices = choices
        self.read = read
        self.write = write
    }

    /// `--name`, as a person types it.
    public var option: String { "--\(name)" }
}

/// A flag's value that cannot be what the options hold: says which flag and what it needs.
public struct RoleFlagProblem: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - The kinds of value a role's options hold

extension RoleFlag {
    /// A value kept as `Value`, shown and read as text by `format` and `parse`.
    public static func single<Value>(
        _ name: String, _ keyPath: WritableKeyPath<Options, Value>, required: Bool = false, valueName: String,
        choices: [String] = [], help: String,
        format: @escaping (Value) -> String?, parse: @escaping (String) throws(RoleFlagProblem) -> Value
    ) -> RoleFlag {
        RoleFlag(name: name, help: help, form: .value, required: required, valueName: valueName, choices: choices,
                 read: { format($0[keyPath: keyPath]).map { [$0] } ?? [] },
                 write: { (options: inout Options, values: [String]) throws(RoleFlagProblem) in
                     guard let value = values.last else { return }
                     options[keyPath: keyPath] = try parse(value)
                 })
    }

    public static func text(_ name: String, _ keyPath: WritableKeyPath<Options, String>, required: Bool = false,
                            valueName: String = "text", help: String) -> RoleFlag {
        single(name, keyPath, required: required, valueName: valueName, help: help, format: { $0 }, parse: { $0 })
    }

    public static func text(_ name: String, _ keyPath: WritableKeyPath<Options, String?>, valueName: String = "text", help: String) -> RoleFlag {
        single(name, keyPath, valueName: valueName, help: help, format: { $0 }, parse: { $0 })
    }

    public static func integer(_ name: String, _ keyPath: WritableKeyPath<Options, Int>, valueName: String = "n", help: String) -> RoleFlag {
        single(name, keyPath, valueName: valueName, help: help, format: { String($0) },
               parse: { (text: String) throws(RoleFlagProblem) -> Int in try RoleFlagText.integer(text, flag: name) })
    }

    public static func integer(_ name: String, _ keyPath: WritableKeyPath<Options, Int?>, valueName: String = "n", help: String) -> RoleFlag {
        single(name, keyPath, valueName: valueName, help: help, format: { $0.map(String.init) },
               parse: { (text: String) throws(RoleFlagProblem) -> Int? in try RoleFlagText.integer(text, flag: name) })
    }

    /// A duration given in seconds (`2.5`), kept to the millisecond.
    public static func seconds(_ name: String, _ keyPath: WritableKeyPath<Options, Duration>, help: String) -> RoleFlag {
        single(name, keyPath, valueName: "seconds", help: help, format: { RoleFlagText.seconds($0) },
               parse: { (text: String) throws(RoleFlagProblem) -> Duration in
                   .milliseconds(Int64((try RoleFlagText.number(text, flag: name) * 1000).rounded()))
               })
    }

    /// Seconds kept as a number.
    public static func seconds(_ name: String, _ keyPath: WritableKeyPath<Options, Double>, help: String) -> RoleFlag {
        single(name, keyPath, valueName: "seconds", help: help, format: { RoleFlagText.number($0) },
               parse: { (text: String) throws(RoleFlagProblem) -> Double in try RoleFlagText.number(text, flag: name) })
    }

    /// One of an enumeration's cases, by its raw value.
    public static func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String, _ keyPath: WritableKeyPath<Options, Value>, help: String
    ) -> RoleFlag where Value.RawValue == String {
        let cases = Value.allCases.map(\.rawValue)
        return single(name, keyPath, valueName: name.split(separator: "-").last.map(String.init) ?? "value", choices: cases, help: help,
                      format: { $0.rawValue },
                      parse: { (text: String) throws(RoleFlagProblem) -> Value in
                          guard let value = Value(rawValue: text) else {
                              throw RoleFlagProblem("--\(name) '\(text)' is not one of \(cases.joined(separator: ", "))")
                          }
                          return value
                      })
    }

    /// A list given as one comma-separated value (`a,b,c`); empty: absent.
    public static func commaList(_ name: String, _ keyPath: WritableKeyPath<Options, [String]>, valueName: String, help: String) -> RoleFlag {
        single(name, keyPath, valueName: valueName, help: help,
               format: { $0.isEmpty ? nil : $0.joined(separator: ",") },
               parse: { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } })
    }

    /// A list given one value per flag (`--node a --node b`), each shown and read by `format` and `parse`.
    public static func repeated<Element>(
        _ name: String, _ keyPath: WritableKeyPath<Options, [Element]>, valueName: String, help: String,
        format: @escaping (Element) -> String, parse: @escaping (String) throws(RoleFlagProblem) -> Element
    ) -> RoleFlag {
        RoleFlag(name: name, help: help, form: .repeated, valueName: valueName,
                 read: { $0[keyPath: keyPath].map(format) },
                 write: { (options: inout Options, values: [String]) throws(RoleFlagProblem) in
                     var elements: [Element] = []
                     for value in values { elements.append(try parse(value)) }
                     options[keyPath: keyPath] = elements
                 })
    }

    /// `--name` alone, which sets `keyPath` to `value` (`--no-pc-recovery` sets `pcRecovery` false).
    public static func presence(_ name: String, _ keyPath: WritableKeyPath<Options, Bool>, sets value: Bool, help: String) -> RoleFlag {
        RoleFlag(name: name, help: help, form: .presence,
                 read: { $0[keyPath: keyPath] == value ? ["true"] : [] },
                 write: { options, values in if values.contains("true") { options[keyPath: keyPath] = value } })
    }

    /// `--name` sets `keyPath`, `--no-name` clears it.
    public static func toggle(_ name: String, _ keyPath: WritableKeyPath<Options, Bool>, help: String) -> RoleFlag {
        RoleFlag(name: name, help: help, form: .toggle,
                 read: { [$0[keyPath: keyPath] ? "true" : "false"] },
                 write: { options, values in if let last = values.last { options[keyPath: keyPath] = last == "true" } })
    }
}

/// The text forms of numbers and durations on a role's command line.
public enum RoleFlagText {
    /// Seconds as the shortest decimal that reads back as the same duration, to the millisecond ("5", "0.25").
    public static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)" }
        var text = String(format: "%.3f", Double(milliseconds) / 1000)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// "1", "0.5": the shortest text that parses back to the same number.
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func number(_ text: String, flag: String) throws(RoleFlagProblem) -> Double {
        guard let value = Double(text), value.isFinite else { throw RoleFlagProblem("--\(flag) '\(text)' is not a number of seconds, e.g. 2.5") }
        return value
    }

    static func integer(_ text: String, flag: String) throws(RoleFlagProblem) -> Int {
        guard let value = Int(text) else { throw RoleFlagProblem("--\(flag) '\(text)' is not a whole number") }
        return value
    }
}
