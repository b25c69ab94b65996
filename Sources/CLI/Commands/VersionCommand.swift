import QiniuAPI
import ArgumentParser
import KubeAPI

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the client version and, when reachable, the server's.",
        discussion: """
              kubectl qmysql version
              kubectl qmysql version --client -o json
            """)

    @OptionGroup var kube: KubeOptions

    @Flag(help: "Only the client version; do not contact the server.")
    var client = false

    @Option(name: .shortAndLong, help: "Output format: json or yaml.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml], command: "version")
    }

    func run() async throws {
        var report: JSONValue = ["clientVersion": ["qmysql": .string(QMySQLVersion.current), "apiVersion": "mysql.qiniu.com/v1alpha1"]]
        var serverError: Error?
        if !client {
            do {
                let server = try await KubeSession.with(kube) { session in try await session.client.serverVersion() }
                report["serverVersion"] = try JSONValue(encoding: server)
            } catch {
                serverError = error
            }
        }
        if let output {
            print(try DataPrinter.render(report, as: output), terminator: "")
        } else {
            print("Client Version: qmysql \(QMySQLVersion.current) (mysql.qiniu.com/v1alpha1)")
            if let git = report[path: ["serverVersion", "gitVersion"]]?.stringValue {
                print("Server Version: \(git)")
            }
        }
        if let serverError { throw serverError }
    }
}
