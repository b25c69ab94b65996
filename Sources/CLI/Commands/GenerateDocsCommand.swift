import AgentAPI
import ArgumentParser
import ControllerAPI
import Foundation
import KubeAPI
import Operator
import QiniuAPI
import RoleFlags

/// Writes the shell completions, man pages and Markdown command reference that are checked in
/// under completions/, man/ and docs/, the operator chart's generated parts (CRDs, RBAC rules,
/// alert rules), and the roles' ArgumentParser declarations (from their flag tables). A test runs
/// it with `--check` so that they never go stale. After a flag table changes, run it, build, and
/// run it again: the completions, man pages and reference come from the built parser.
struct GenerateDocsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-docs",
        abstract: "Write shell completions, man pages and the command reference.",
        discussion: "Maintainers run this after changing a command: `kubectl-qmysql generate-docs --root .`",
        shouldDisplay: false)

    @Option(help: "The repository root to write completions/, man/ and docs/commands.md under.")
    var root: String = "."

    @Flag(help: "Compare instead of writing; exit 1 listing every stale file.")
    var check = false

    func run() async throws {
        let executable = SelfExecutable.path
        let reference = try CommandReference.load(executable: executable)
        var files: [String: String] = [:]
        for shell in ["bash", "zsh", "fish"] {
            let script = try SelfExecutable.output(["--generate-completion-script", shell])
            let name = shell == "zsh" ? "_kubectl-qmysql" : "kubectl-qmysql.\(shell)"
            files["completions/\(name)"] = script
        }
        files["completions/kubectl_complete-qmysql"] = KubectlPluginCompletion.script
        for (path, command) in reference.walk() {
            files["man/\(path.joined(separator: "-")).1"] = ManPage.render(command, path: path, date: "qmysql \(QMySQLVersion.current)")
        }
        files["docs/commands.md"] = MarkdownReference.render(reference)
        // The operator chart's parts that the code defines: the CRDs (what `install --dry-run
        // -o yaml` prints), the operator's RBAC rules, the alert rules and the Grafana dashboard.
        files["charts/mysql-operator/crds/qiniumysql-crds.yaml"] = try QiniuCRDs.all.map { try DataPrinter.render($0, as: .yaml) }.joined(separator: "---\n")
        files["charts/mysql-operator/files/rbac-rules.yaml"] = try DataPrinter.render(JSONValue(encoding: OperatorRBAC.policyRules()), as: .yaml)
        files["charts/mysql-operator/files/leader-election-rules.yaml"] = try DataPrinter.render(JSONValue(encoding: OperatorRBAC.policyRules(OperatorRBAC.leaderElectionRules)), as: .yaml)
        for monitoring in ["qmysql-alerts.yaml", "qmysql-dashboard.json"] {
            files["charts/mysql-operator/files/\(monitoring)"] = try String(
                contentsOf: URL(fileURLWithPath: root).appendingPathComponent("monitoring/\(monitoring)"), encoding: .utf8)
        }

        // The roles' parsers, generated from the one declaration of their flags.
        files["Sources/Roles/Generated/AgentFlags.swift"] = RoleFlagSource.render(AgentOptions.flagTable, typeName: "AgentFlags", source: "AgentOptions.flagTable")
        files["Sources/Roles/Generated/ControllerFlags.swift"] = RoleFlagSource.render(ControllerOptions.flagTable, typeName: "ControllerFlags", source: "ControllerOptions.flagTable")

        var stale: [String] = []
        for (relative, content) in files.sorted(by: { $0.key < $1.key }) {
            let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
            let existing = try? String(contentsOf: url, encoding: .utf8)
            guard existing != content else { continue }
            if check {
                stale.append(relative)
            } else {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url, atomically: true, encoding: .utf8)
                if relative.hasSuffix("kubectl_complete-qmysql") {
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
                }
                print("wrote \(relative)")
            }
        }
        if !stale.isEmpty {
            throw CLIError(
                "stale generated files: \(stale.joined(separator: ", "))",
                hint: "run `swift run kubectl-qmysql generate-docs --root .` and commit the result")
        }
    }
}

/// The running executable, for asking argument-parser about ourselves.
enum SelfExecutable {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func output(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
