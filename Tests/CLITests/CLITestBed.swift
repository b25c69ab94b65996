import Foundation
import KubeAPI
import KubeClient
import KubeServer
import QiniuAPI
import Testing

/// A real local API server over HTTPS, a kubeconfig for it, and the built `kubectl-qmysql`
/// run as a real process, the way a person or a script runs it.
final class CLITestBed: Sendable {
    let server: LocalKubeServer
    let directory: URL
    let kubeconfig: String
    let client: KubeClient

    private init(server: LocalKubeServer, directory: URL, kubeconfig: String, client: KubeClient) {
        self.server = server
        self.directory = directory
        self.kubeconfig = kubeconfig
        self.client = client
    }

    /// A fresh server; with `installed`, the qmysql CRDs are applied first (through the CLI itself).
    static func start(installed: Bool = true) async throws -> CLITestBed {
        let server = try await LocalKubeServer.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeconfig = directory.appendingPathComponent("config").path
        try server.adminKubeconfigYAML(namespace: "default").write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let client = try KubeClient.make(options: ClientOptions(kubeconfig: kubeconfig))
        let bed = CLITestBed(server: server, directory: directory, kubeconfig: kubeconfig, client: client)
        if installed {
            let result = try await bed.run("install")
            try #require(result.status == 0, "install failed: \(result.stderr)")
        }
        return bed
    }

    func stop() async {
        try? await client.shutdown()
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `kubectl-qmysql ARGS --kubeconfig <ours>` (flags after the subcommand, as users type them).
    func run(_ arguments: String..., kubeconfig: String? = nil, stdin: String? = nil) async throws -> CommandResult {
        try await run(arguments, kubeconfig: kubeconfig, stdin: stdin)
    }

    func run(_ arguments: [String], kubeconfig: String? = nil, stdin: String? = nil) async throws -> CommandResult {
        try await CommandRunner.run(
            CLITestBed.executable, arguments + ["--kubeconfig", kubeconfig ?? self.kubeconfig], stdin: stdin)
    }

    /// Writes a file in the bed's directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The package root, found from this file's location.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable: next to the test bundle, else in .build/debug.
    static let executable: String = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kubectl-qmysql").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        return packageRoot.appendingPathComponent(".build/debug/kubectl-qmysql").path
    }()
}

struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a process with its output captured, with a deadline so a hung command fails the test
/// instead of hanging the suite. The blocking waits run on a thread of their own: on the
/// cooperative pool (two threads on a 2-core machine) they would starve the API server that
/// answers the very process being waited for.
enum CommandRunner {
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String]? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment ?? ProcessInfo.processInfo.environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let pid = process.processIdentifier
        let seconds = Double(timeout.components.seconds)
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                let killer = DispatchWorkItem { kill(pid, SIGKILL) }
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
                let group = DispatchGroup()
                nonisolated(unsafe) var stderrData = Data()
                group.enter()
                Thread {
                    stderrData = err.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }.start()
                let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                killer.cancel()
                continuation.resume(returning: CommandResult(
                    status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                    stderr: String(decoding: stderrData, as: UTF8.self)))
            }
            thread.start()
        }
    }
}
