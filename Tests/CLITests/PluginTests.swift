import Foundation
import Testing

/// The executable as kubectl's plugin, its shell completions, and the generated files that
/// are checked in (completions/, man/, docs/commands.md).
@Suite struct PluginTests {
    /// kubectl on PATH finds `kubectl-qmysql` next to it and passes every flag through.
    @Test func kubectlRunsThePluginAndPassesFlags() async throws {
        guard let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("kubectl is not installed; the plugin test needs the real kubectl")
            return
        }
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        var environment = ProcessInfo.processInfo.environment
        let binDirectory = URL(fileURLWithPath: CLITestBed.executable).deletingLastPathComponent().path
        environment["PATH"] = binDirectory + ":" + (environment["PATH"] ?? "/usr/bin")
        let version = try await CommandRunner.run(kubectl, ["qmysql", "version", "--client", "-o", "json"], environment: environment)
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stdout.contains("\"qmysql\""))

        let create = try await CommandRunner.run(
            kubectl, ["qmysql", "create", "viakubectl", "-n", "default", "--kubeconfig", bed.kubeconfig], environment: environment)
        #expect(create.status == 0, "\(create.stderr)")
        let get = try await CommandRunner.run(
            kubectl, ["qmysql", "get", "viakubectl", "-o", "name", "--kubeconfig", bed.kubeconfig], environment: environment)
        #expect(get.stdout == "qiniumysql.mysql.qiniu.com/viakubectl\n")
        // Exit codes pass through kubectl unchanged.
        let missing = try await CommandRunner.run(
            kubectl, ["qmysql", "get", "nothere", "--kubeconfig", bed.kubeconfig], environment: environment)
        #expect(missing.status == 3)
    }

    @Test func pluginCompletionOffersSubcommandsAndFlags() async throws {
        let top = try await CommandRunner.run(CLITestBed.executable, ["__complete", ""])
        let candidates = top.stdout.split(separator: "\n").map(String.init)
        #expect(candidates.last == ":4")
        for command in ["install", "create", "get", "status", "delete", "backup", "restore", "data", "version"] {
            #expect(candidates.contains(command), "\(command) missing from \(candidates)")
        }
        #expect(!candidates.contains("generate-docs"), "hidden commands stay hidden")

        let flags = try await CommandRunner.run(CLITestBed.executable, ["__complete", "get", "--o"])
        #expect(flags.stdout.split(separator: "\n").contains("--output"))

        let values = try await CommandRunner.run(CLITestBed.executable, ["__complete", "create", "--flavor", ""])
        #expect(values.stdout.split(separator: "\n").map(String.init) == ["mariadb", "percona", ":4"])
    }

    @Test func checkedInCompletionsManPagesAndReferenceAreCurrent() async throws {
        let result = try await CommandRunner.run(
            CLITestBed.executable, ["generate-docs", "--check", "--root", CLITestBed.packageRoot.path])
        #expect(result.status == 0, "\(result.stderr)")
        let root = CLITestBed.packageRoot
        for file in ["completions/kubectl-qmysql.bash", "completions/_kubectl-qmysql", "completions/kubectl-qmysql.fish",
                     "completions/kubectl_complete-qmysql", "man/kubectl-qmysql.1", "man/kubectl-qmysql-create.1", "docs/commands.md"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path), "\(file) missing")
        }
    }

    @Test func versionWithoutAServerIsAClientVersion() async throws {
        let result = try await CommandRunner.run(CLITestBed.executable, ["version", "--client"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Client Version: qmysql "))
    }
}
