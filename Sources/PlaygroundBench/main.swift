// PlaygroundBench: how long the playground takes to a Green cluster, and where the time goes.
//
//   swift build -c release --product kubectl-qmysql --product PlaygroundBench
//   .build/release/PlaygroundBench [--runs 3] [--binary .build/release/kubectl-qmysql]
//
// Each run, in a fresh directory:
// 1. `playground up` (with its demo cluster) as a user runs it: the wall time to the command's
//    exit, which is after demo is Green; meanwhile the API is polled every 100 ms for the parts
//    (pods created, each node's first Green, the cluster Green);
// 2. `create second` through the CLI and the same polling: create to Green for a second cluster;
// 3. `playground down --purge`, timed too.
import Foundation
import KubeAPI
import KubeClient
import Playground
import QiniuAPI

struct Arguments {
    var runs = 3
    var binary = ".build/release/kubectl-qmysql"

    init() {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--binary": binary = iterator.next() ?? binary
            default:
                FileHandle.standardError.write(Data("unknown argument \(flag)\n".utf8))
                exit(64)
            }
        }
    }
}

func log(_ text: String) {
    print("[\(Date.ISO8601FormatStyle().format(Date()))] \(text)")
    fflush(nil)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs the binary to its exit; output to a file. Returns the wall time.
func run(_ binary: String, _ arguments: [String], log path: String) async throws -> (Duration, Bool) {
    let started = ContinuousClock.now
    var environment = ProcessInfo.processInfo.environment
    environment["KUBECONFIG"] = nil
    let process = try ManagedProcess.spawn(binary, arguments: arguments, environment: environment, logPath: path, pidFile: path + ".pid")
    let exit = await process.wait()
    return (ContinuousClock.now - started, exit?.isClean == true)
}

/// What the poller saw, as offsets from its start.
actor Timeline {
    var marks: [String: Duration] = [:]
    let start = ContinuousClock.now

    func mark(_ name: String) {
        if marks[name] == nil { marks[name] = ContinuousClock.now - start }
    }

    func value(_ name: String) -> Duration? { marks[name] }
}

/// Polls one cluster until Green (or `limit`), marking the parts.
func follow(cluster: String, kubeconfig: String, timeline: Timeline, limit: Duration) async {
    var client: KubeClient?
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if client == nil, FileManager.default.fileExists(atPath: kubeconfig) {
            client = try? KubeClient.make(options: ClientOptions(kubeconfig: kubeconfig))
        }
        if let client {
            if let pods = try? await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                       options: ListOptions(labelSelector: "\(QiniuLabels.cluster)=\(cluster)")) {
                let database = pods.filter { $0[path: ["metadata", "labels", QiniuLabels.component]] == "database" }
                if database.count >= 3 { await timeline.mark("pods created") }
                if database.contains(where: { $0[path: ["status", "phase"]] == "Running" }) { await timeline.mark("first agent running") }
            }
            if let object = try? await client.get(QiniuMySQL.self, name: cluster, namespace: "default"), let status = object.status {
                if status.state != nil { await timeline.mark("first status") }
                let green = (status.nodes ?? []).filter { $0.state == "Green" }.count
                for count in stride(from: 1, through: green, by: 1) { await timeline.mark("\(count) node(s) Green") }
                if status.state == .green {
                    await timeline.mark("cluster Green")
                    break
                }
            }
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
    try? await client?.shutdown()
}

let arguments = Arguments()
guard FileManager.default.isExecutableFile(atPath: arguments.binary) else {
    FileHandle.standardError.write(Data("no executable at \(arguments.binary); build it: swift build -c release --product kubectl-qmysql\n".utf8))
    exit(2)
}
let parts = ["pods created", "first agent running", "first status", "1 node(s) Green", "2 node(s) Green", "3 node(s) Green", "cluster Green"]
var rows: [String] = []
for index in 1...arguments.runs {
    let root = NSTemporaryDirectory() + "qmysql-playground-bench-\(UUID().uuidString.prefix(6))"
    let layout = PlaygroundLayout(root: root)
    log("run \(index): playground up in \(root)")
    let upTimeline = Timeline()
    let poller = Task { await follow(cluster: "demo", kubeconfig: layout.kubeconfig, timeline: upTimeline, limit: .seconds(400)) }
    let (upTime, upOK) = try await run(arguments.binary, ["playground", "up", "--dir", root], log: root + "-up.log")
    await poller.value
    guard upOK else {
        log("playground up failed; see \(root)-up.log and \(root)/host.log")
        exit(1)
    }
    var upParts: [String] = []
    for part in parts { if let mark = await upTimeline.value(part) { upParts.append("\(part) \(String(format: "%.1f", seconds(mark)))") } }
    log("run \(index): up to demo Green \(String(format: "%.1f", seconds(upTime))) s: \(upParts.joined(separator: ", "))")

    let createTimeline = Timeline()
    let (_, created) = try await run(arguments.binary, ["create", "second", "--replicas", "3", "--kubeconfig", layout.kubeconfig], log: root + "-create.log")
    guard created else {
        log("create failed; see \(root)-create.log")
        exit(1)
    }
    await follow(cluster: "second", kubeconfig: layout.kubeconfig, timeline: createTimeline, limit: .seconds(300))
    var createParts: [String] = []
    for part in parts { if let mark = await createTimeline.value(part) { createParts.append("\(part) \(String(format: "%.1f", seconds(mark)))") } }
    let second = await createTimeline.value("cluster Green").map { String(format: "%.1f", seconds($0)) } ?? "not Green"
    log("run \(index): create to Green (second cluster) \(second) s: \(createParts.joined(separator: ", "))")

    let (downTime, _) = try await run(arguments.binary, ["playground", "down", "--purge", "--dir", root], log: root + "-down.log")
    log("run \(index): down --purge \(String(format: "%.1f", seconds(downTime))) s")
    rows.append("| \(index) | \(String(format: "%.1f", seconds(upTime))) s | \(second) s | \(String(format: "%.1f", seconds(downTime))) s |")
    for suffix in ["-up.log", "-create.log", "-down.log", "-up.log.pid", "-create.log.pid", "-down.log.pid"] {
        try? FileManager.default.removeItem(atPath: root + suffix)
    }
}
print("| run | up to demo Green | create to Green (second cluster) | down --purge |")
print("|---|---|---|---|")
for row in rows { print(row) }
