import Foundation

/// Prometheus's own checker (Debian's `prometheus` package, installed by scripts/setup): the
/// tests lint every role's real `/metrics` with it and unit-test the alert rules.
public enum Promtool {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var passed: Bool { status == 0 }
    }

    /// `promtool check metrics` on `exposition`: lint warnings (a counter without `_total`, a
    /// missing HELP, a non-base unit) exit 3, unparsable text exits 1.
    public static func checkMetrics(_ exposition: String) async throws -> Result {
        try await run(["check", "metrics"], stdin: exposition)
    }

    /// `promtool ARGUMENTS` (e.g. `check rules FILE`, `test rules FILE`) in `directory`.
    public static func run(_ arguments: [String], stdin: String? = nil, in directory: String? = nil) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        try process.run()
        // Write, read and wait on a thread of their own, never on the cooperative pool (a pipe
        // blocks the writer once promtool is 64 KiB behind).
        return await withCheckedContinuation { continuation in
            Thread {
                if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
                try? input.fileHandleForWriting.close()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self)))
            }.start()
        }
    }
}
