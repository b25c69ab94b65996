import ArgumentParser
import Foundation
import KubeAPI
import QiniuAPI

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install or update the QiniuMySQL and QiniuMySQLData CustomResourceDefinitions.",
        discussion: """
            Applies both CRDs with server-side apply and waits until the API server serves them. \
            Running it again is safe: an unchanged CRD is left as it is.

              kubectl qmysql install
              kubectl qmysql install --dry-run -o yaml > crds.yaml
            """)

    @OptionGroup var kube: KubeOptions

    @Flag(help: "Print the CRDs instead of applying them.")
    var dryRun = false

    @Option(name: .shortAndLong, help: "Output format: yaml or json (with --dry-run), or name.")
    var output: OutputFormat?

    @Option(help: "How long to wait for the CRDs to be served, like 30s.")
    var timeout: String = "30s"

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.yaml, .json, .name], command: "install")
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration, like 30s or 2m.") }
    }

    func run() async throws {
        if dryRun {
            switch output ?? .yaml {
            case .json: print(try DataPrinter.renderList(QiniuCRDs.all, as: .json), terminator: "")
            case .name: QiniuCRDs.all.forEach { print("customresourcedefinition.apiextensions.k8s.io/\($0[path: ["metadata", "name"]]?.stringValue ?? "")") }
            default: print(try QiniuCRDs.all.map { try DataPrinter.render($0, as: .yaml) }.joined(separator: "---\n"), terminator: "")
            }
            return
        }
        try await KubeSession.with(kube) { session in
            for crd in QiniuCRDs.all {
                let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
                _ = try await session.client.applyRaw(
                    CustomResourceDefinition.resourceType, crd, fieldManager: KubeSession.fieldManager, force: true)
                print("customresourcedefinition.apiextensions.k8s.io/\(name) applied")
            }
            let deadline = ContinuousClock.now + (DurationText.parse(timeout) ?? .seconds(30))
            for crd in QiniuCRDs.all {
                let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
                try await waitEstablished(name, session: session, deadline: deadline)
            }
        }
    }

    /// A CRD is usable only once the server has accepted its names and established it.
    private func waitEstablished(_ name: String, session: KubeSession, deadline: ContinuousClock.Instant) async throws {
        while true {
            let crd = try await session.client.get(CustomResourceDefinition.self, name: name, namespace: nil)
            if crd.isEstablished { return }
            guard ContinuousClock.now < deadline else {
                throw CLIError("customresourcedefinition \(name) was applied but is not Established after \(timeout)",
                               hint: "check it with `kubectl get crd \(name) -o yaml`", status: .timedOut)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
