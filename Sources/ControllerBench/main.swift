// ControllerBench: how fast the controller detects and repairs each known fault on a real
// three-node Galera cluster (LocalCluster: real agents, real mariadbd). Not a test: it measures.
//
//   swift build && .build/debug/ControllerBench [--runs N] [scenario ...]
//   swift build && .build/debug/ControllerBench backup [--sizes 64,256]   (BackupBench.swift)
//
// Prints, per scenario, the median (min–max) of: detection (fault → the controller's first
// observation of an affected node not Green), writes again (fault → the first acknowledged INSERT
// after the interruption the fault caused; ~0 when writes never stopped), the longest gap between
// acknowledged writes until Green (rejoins stall writes briefly too), and Green (fault → Green
// with every node Synced and nothing pending).
import Foundation

/// Writes a line at once (print's buffering would hold it back when the output is a file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "backup" {
    exit(await BackupBench.main(Array(arguments.dropFirst())))
}
var runs = 3
var selected: [String] = []
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--runs", index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 {
        runs = value
        index += 2
        continue
    }
    if argument == "--help" || argument == "-h" {
        say("usage: ControllerBench [--runs N] [\(FaultScenario.all.map(\.name).joined(separator: "|")) ...]")
        exit(0)
    }
    guard FaultScenario.all.contains(where: { $0.name == argument }) else {
        FileHandle.standardError.write(Data("unknown argument '\(argument)'; scenarios: \(FaultScenario.all.map(\.name).joined(separator: ", ")); options: --runs N\n".utf8))
        exit(64)
    }
    selected.append(argument)
    index += 1
}
let scenarios = selected.isEmpty ? FaultScenario.all : FaultScenario.all.filter { selected.contains($0.name) }
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
