// PlaygroundBench: how long the playground takes to a Green cluster, and where the time goes.
//
//   swift build -c release --product kubectl-qmysql --product PlaygroundBench
//   .build/release/PlaygroundBench [--runs 3] [--binary .build/release/kubectl-qmysql]
//
// Each run, in a fresh directory:
// 1. `playground up` (with its demo cluster) as a user runs it: the wall time to the command's
//    exit, which is after demo is Green; meanwhile the API is polled every 100 ms for the parts
//    (pods created, each node's first Green, the cluster Green);
// 2. `backup demo --wait`, then `restore demo --from <that backup> --yes --wait` through the CLI:
//    the restore's wall time, and from its start to demo Green again (every step, the backup of
//    the current state included);
// 3. `create second` through the CLI and the same polling: create to Green for a second cluster;
// 4. `second` scaled 3 → 5 → 3: each scale to Green with every node Ready, and how many of the
//    three pods that stay were restarted or replaced (their uid, agent and mysqld pids);
// 5. `playground down --purge`, timed too.
import ArgumentParser
import Foundation
import Galera
import KubeAPI
import KubeClient
import Playground
import QiniuAPI

struct Arguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "PlaygroundBench", abstract: "How long the playground takes to a Green cluster, and where the time goes (docs/benchmarks.md).")

    @Option(help: "Runs of each measurement.")
    var runs = 3
    @Option(help: "The kubectl-qmysql binary measured.")
    var binary = ".build/release/kubectl-qmysql"
}

func log(_ text: String) {
    print("[\(Date.ISO8601FormatStyle().format(Date()))] \(text)")
    fflush(nil)
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
                let database = pods.filter { $0[path: ["metadata", "labels", QiniuLabels.component]]?.stringValue == QiniuLabels.database }
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

/// What changes when a pod restarts or is replaced: its uid and its processes' pids.
func identities(_ client: KubeClient, _ layout: PlaygroundLayout, pods: [String]) async -> [String] {
    var result: [String] = []
    for pod in pods {
        let uid = (try? await client.getRaw(Pod.resourceType, name: pod, namespace: "default"))?[path: ["metadata", "uid"]]?.stringValue ?? "?"
        let agent = ManagedProcess.adopt(pidFile: layout.containerPIDFile(namespace: "default", pod: pod, container: "mysql"))?.pid ?? 0
        let mysqld = (try? String(contentsOfFile: layout.volumeDirectory(namespace: "default", pod: pod, volume: "run") + "/mysqld.pid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        result.append("\(uid)/\(agent)/\(mysqld)")
    }
    return result
}

/// Scales `cluster` and waits until Green with `replicas` Ready database pods; the time it took.
func scale(_ client: KubeClient, cluster: String, to replicas: Int, limit: Duration) async throws -> Duration? {
    let started = ContinuousClock.now
    _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: cluster, namespace: "default", patch: ["spec": ["replicas": .int(Int64(replicas))]])
    while ContinuousClock.now - started < limit {
        let pods = (try? await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                 options: ListOptions(labelSelector: "\(QiniuLabels.cluster)=\(cluster),\(QiniuLabels.component)=database"))) ?? []
        let ready = pods.filter { $0[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false }
        let status = try? await client.get(QiniuMySQL.self, name: cluster, namespace: "default").status
        if status?.state == .green, status?.ready == "\(replicas)/\(replicas)", pods.count == replicas, ready.count == replicas {
            return ContinuousClock.now - started
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    return nil
}

let arguments = Arguments.parseOrExit()
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
    for part in parts { if let mark = await upTimeline.value(part) { upParts.append("\(part) \(String(format: "%.1f", mark.inSeconds))") } }
    log("run \(index): up to demo Green \(String(format: "%.1f", upTime.inSeconds)) s: \(upParts.joined(separator: ", "))")

    let kube = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
    let (backupTime, backedUp) = try await run(arguments.binary, ["backup", "demo", "--wait", "--kubeconfig", layout.kubeconfig], log: root + "-backup.log")
    let backups = try await kube.list(QiniuMySQLData.self, namespace: "default").items.filter {
        $0.spec.action == .backup && $0.status?.phase == .succeeded
    }
    guard backedUp, let backup = backups.first?.metadata.name else {
        log("backup failed; see \(root)-backup.log")
        exit(1)
    }
    log("run \(index): backup of demo \(String(format: "%.1f", backupTime.inSeconds)) s")
    let restoreStarted = ContinuousClock.now
    let (restoreTime, restored) = try await run(
        arguments.binary, ["restore", "demo", "--from", backup, "--yes", "--wait", "--kubeconfig", layout.kubeconfig], log: root + "-restore.log")
    guard restored else {
        log("restore failed; see \(root)-restore.log")
        exit(1)
    }
    let restoreTimeline = Timeline()
    await follow(cluster: "demo", kubeconfig: layout.kubeconfig, timeline: restoreTimeline, limit: .seconds(300))
    let restoreGreen = ContinuousClock.now - restoreStarted
    try? await kube.shutdown()
    log("run \(index): restore \(String(format: "%.1f", restoreTime.inSeconds)) s; demo Green \(String(format: "%.1f", restoreGreen.inSeconds)) s after it began")

    let createTimeline = Timeline()
    let (_, created) = try await run(arguments.binary, ["create", "second", "--replicas", "3", "--kubeconfig", layout.kubeconfig], log: root + "-create.log")
    guard created else {
        log("create failed; see \(root)-create.log")
        exit(1)
    }
    await follow(cluster: "second", kubeconfig: layout.kubeconfig, timeline: createTimeline, limit: .seconds(300))
    var createParts: [String] = []
    for part in parts { if let mark = await createTimeline.value(part) { createParts.append("\(part) \(String(format: "%.1f", mark.inSeconds))") } }
    let second = await createTimeline.value("cluster Green").map { String(format: "%.1f", $0.inSeconds) } ?? "not Green"
    log("run \(index): create to Green (second cluster) \(second) s: \(createParts.joined(separator: ", "))")

    let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
    let stayers = ["second-0", "second-1", "second-2"]
    let before = await identities(client, layout, pods: stayers)
    var scaleCells: [String] = []
    for replicas in [5, 3] {
        let took = try await scale(client, cluster: "second", to: replicas, limit: .seconds(300))
        // A roll (a changed template) would begin within seconds of Green: let it show.
        try await Task.sleep(for: .seconds(8))
        let after = await identities(client, layout, pods: stayers)
        let restarted = zip(before, after).filter { $0 != $1 }.count
        let time = took.map { String(format: "%.1f", $0.inSeconds) } ?? "not Green"
        log("run \(index): scale to \(replicas): Green after \(time) s; \(restarted) of the 3 pods that stay restarted")
        scaleCells.append("\(time) s (\(restarted) restarted)")
    }
    try? await client.shutdown()

    let (downTime, _) = try await run(arguments.binary, ["playground", "down", "--purge", "--dir", root], log: root + "-down.log")
    log("run \(index): down --purge \(String(format: "%.1f", downTime.inSeconds)) s")
    rows.append("| \(index) | \(String(format: "%.1f", upTime.inSeconds)) s | \(String(format: "%.1f", restoreGreen.inSeconds)) s | \(second) s | \(scaleCells.joined(separator: " | ")) | \(String(format: "%.1f", downTime.inSeconds)) s |")
    for suffix in ["-up.log", "-backup.log", "-restore.log", "-create.log", "-down.log"].flatMap({ [$0, $0 + ".pid"] }) {
        try? FileManager.default.removeItem(atPath: root + suffix)
    }
}
print("| run | up to demo Green | restore of demo to Green | create to Green (second cluster) | scale 3 → 5 | scale 5 → 3 | down --purge |")
print("|---|---|---|---|---|---|---|")
for row in rows { print(row) }
