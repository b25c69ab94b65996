// ControllerBench: how fast the controller detects and repairs each known fault on a real
// three-node Galera cluster (LocalCluster: real agents, real mariadbd). Not a test: it measures.
//
//   swift build && .build/debug/ControllerBench [--runs N] [scenario ...]
//   swift build && .build/debug/ControllerBench backup [--sizes 64,256] [--s3]   (BackupBench.swift)
//   swift build && .build/debug/ControllerBench pitr [--minutes 10] [--segment-seconds 5]   (PITRBench.swift)
//
// Prints, per scenario, the median (min–max) of: detection (fault → the controller's first
// observation of an affected node not Green), writes again (fault → the first acknowledged INSERT
// after the interruption the fault caused; ~0 when writes never stopped), the longest gap between
// acknowledged writes until Green (rejoins stall writes briefly too), and Green (fault → Green
// with every node Synced and nothing pending).
import ArgumentParser
import Foundation

/// Writes a line at once (print's buffering would hold it back when the output is a file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct FaultArguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ControllerBench",
        abstract: "Detection and recovery of each known fault on a real three-node Galera cluster (docs/benchmarks.md).",
        discussion: "ControllerBench backup [--sizes MiB,MiB] [--runs N] measures backups instead.")

    @Option(help: "Runs of each scenario.")
    var runs = 3
    @Argument(help: ArgumentHelp("Scenarios to measure (all when none): \(FaultScenario.all.map(\.name).joined(separator: ", ")).", valueName: "scenario"))
    var scenarios: [String] = []

    mutating func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be at least 1") }
        for name in scenarios where !FaultScenario.all.contains(where: { $0.name == name }) {
            throw ValidationError("unknown scenario '\(name)'; scenarios: \(FaultScenario.all.map(\.name).joined(separator: ", "))")
        }
    }
}

let commandLine = Array(CommandLine.arguments.dropFirst())
if commandLine.first == "pitr" {
    exit(await PITRBench.main(PITRBench.Arguments.parseOrExit(Array(commandLine.dropFirst()))))
}
if commandLine.first == "backup" {
    exit(await BackupBench.main(BackupBench.Arguments.parseOrExit(Array(commandLine.dropFirst()))))
}
let arguments = FaultArguments.parseOrExit(commandLine)
let runs = arguments.runs
let scenarios = arguments.scenarios.isEmpty ? FaultScenario.all : FaultScenario.all.filter { arguments.scenarios.contains($0.name) }
guard geteuid() == 0 else {
    FileHandle.standardError.write(Data("ControllerBench runs mariadbd as root (user=root); run it as root\n".utf8))
    exit(77)
}

let bed = try BenchBed()
do {
    say("building the snapshot (initialise, bootstrap, 2 SST joins) ...")
    try await bed.buildSnapshot()
    var results: [(FaultScenario, [Measurement])] = []
    for scenario in scenarios {
        var measurements: [Measurement] = []
        for run in 1...runs {
            let measurement = try await scenario.measure(bed: bed, run: run)
            say("\(scenario.name) run \(run): \(measurement)")
            measurements.append(measurement)
        }
        results.append((scenario, measurements))
    }
    say("")
    say(Measurement.table(results))
} catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    await bed.tearDown()
    exit(1)
}
await bed.tearDown()
