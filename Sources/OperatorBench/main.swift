// OperatorBench: the real `kubectl-qmysql operator` process against the local API server.
//
//   swift build -c release --product kubectl-qmysql --product OperatorBench
//   .build/release/OperatorBench [--clusters 1000] [--steady-seconds 60] [--binary .build/release/kubectl-qmysql]
//
// 1. starts the local API server and one fake controller endpoint serving a Green status for
//    every cluster (the operator is pointed at it with --controller-url-template);
// 2. starts the operator as a child process and waits until it leads;
// 3. creates N QiniuMySQL objects and waits until every one has its objects and a status for its
//    generation, and the operator has stopped writing: the time to steady state;
// 4. counts the operator's requests over --steady-seconds with resyncs every 10 s (steady state);
// 5. reports the operator's peak RSS (VmHWM), and its reconcile durations from its own /metrics
//    (creation and steady state) with its own count of API requests beside the server's.
import ArgumentParser
import ControllerAPI
import Foundation
import Hummingbird
import KubeAPI
import KubeClient
import KubeServer
import Logging
import NIOCore
import Processes
import QiniuAPI
import Synchronization

struct Arguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "OperatorBench", abstract: "The operator at scale: time to steady state, writes and memory (docs/benchmarks.md).")

    @Option(help: "How many clusters to create.")
    var clusters = 1000
    @Option(help: "How long to watch the steady state, in seconds.")
    var steadySeconds = 60
    @Option(help: "The kubectl-qmysql binary whose operator is measured.")
    var binary = ".build/release/kubectl-qmysql"
}

func log(_ text: String) {
    print("[\(Date.ISO8601FormatStyle().format(Date()))] \(text)")
    fflush(nil)  // every line at once, also into a pipe
}

/// A Green status for any cluster (`GET /<namespace>/<name>/v1/status?watch=true`) that runs
/// every desired state it is sent (`PUT /<namespace>/<name>/v1/spec`), as a controller does: its
/// status shows the spec's generation.
func startFakeControllers() async throws -> (Int, Task<Void, Error>) {
    let router = Router(context: BasicRequestContext.self)
    let generations = Mutex<[String: Int64]>([:])
    router.put("/:namespace/:name/v1/spec") { request, context -> Response in
        let key = "\(context.parameters.get("namespace") ?? "")/\(context.parameters.get("name") ?? "")"
        let spec = try JSONDecoder().decode(ControllerSpec.self, from: Data(try await request.body.collect(upTo: 1 << 20).readableBytesView))
        let changed = generations.withLock { all in
            defer { all[key] = spec.generation }
            return all[key] != spec.generation
        }
        let answer = ControllerSpecAcknowledgement(observedGeneration: spec.generation, changed: changed)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(answer))))
    }
    router.get("/:namespace/:name/v1/status") { _, context -> Response in
        let name = context.parameters.get("name") ?? "x"
        let key = "\(context.parameters.get("namespace") ?? "")/\(name)"
        @Sendable func line() throws -> ByteBuffer {
            var status = ClusterStatus(
                cluster: name, state: .green,
                nodes: (0..<3).map { NodeStatus(name: "\(name)-\($0)", state: .green, wsrepState: "Synced", seqno: nil, ready: true) },
                conditions: [Condition(type: "Ready", status: "True", reason: "AllSynced", message: "3/3 nodes Synced", lastTransitionTime: "2026-01-01T00:00:00Z")],
                message: "3/3 nodes Synced", clusterUUID: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")
            status.observedGeneration = generations.withLock { $0[key] }
            var line = ByteBuffer(bytes: try JSONEncoder().encode(status))
            line.writeString("\n")
            return line
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
            var sent = try line()
            try await writer.write(sent)
            var quiet = Duration.zero
            while !Task.isCancelled {
                // Until its first spec arrives, a quarter-second look (it shows at once);
                // after it, only the 10 s heartbeat (the bench changes no spec).
                let pause: Duration = generations.withLock { $0[key] } == nil ? .milliseconds(250) : .seconds(10)
                try await Task.sleep(for: pause)
                quiet += pause
                let next = try line()
                if next != sent || quiet >= .seconds(10) {
                    try await writer.write(next)
                    sent = next
                    quiet = .zero
                }
            }
            try await writer.finish(nil)
        })
    }
    let (ports, sink) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "fake-controllers")
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { sink.yield($0.localAddress?.port ?? 0) }, logger: logger)
    let task = Task { try await app.runService() }
    var iterator = ports.makeAsyncIterator()
    return (await iterator.next() ?? 0, task)
}

let arguments = Arguments.parseOrExit()
var serverConfiguration = KubeServerConfiguration()
serverConfiguration.historySize = max(serverConfiguration.historySize, arguments.clusters * 30)
var serverLogger = Logger(label: "bench-kube-server")
serverLogger.logLevel = .warning
let server = try await LocalKubeServer.start(serverConfiguration, logger: serverLogger)
let directory = NSTemporaryDirectory() + "operator-bench-\(UUID().uuidString.prefix(6))"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let operatorToken = server.addToken(user: "qmysql-operator", groups: ["system:masters"])
let operatorConfig = directory + "/operator-kubeconfig"
try server.kubeconfigYAML(user: "qmysql-operator", credentials: .token(operatorToken)).write(toFile: operatorConfig, atomically: true, encoding: .utf8)
let adminConfig = directory + "/admin-kubeconfig"
try server.adminKubeconfigYAML(namespace: "default").write(toFile: adminConfig, atomically: true, encoding: .utf8)
var options = ClientOptions()
options.kubeconfig = adminConfig
let client = try KubeClient.make(options: options, environment: ["HOME": directory])
let (controllerPort, controllers) = try await startFakeControllers()

let process = Process()
process.executableURL = URL(fileURLWithPath: arguments.binary)
let metricsPort = 20000 + Int(getpid() % 10000)
process.arguments = [
    "operator", "--kubeconfig", operatorConfig, "--lease-namespace", "default", "--identity", "bench",
    "--controller-url-template", "http://127.0.0.1:\(controllerPort)/{namespace}/{name}",
    "--resync-interval", "10", "--listen", "127.0.0.1:\(metricsPort)", "--log-level", "warning",
]
// The operator's log, kept next to the kubeconfigs (printed when something goes wrong).
let operatorLog = directory + "/operator.log"
_ = FileManager.default.createFile(atPath: operatorLog, contents: nil)
process.standardOutput = FileHandle(forWritingAtPath: operatorLog)
process.standardError = FileHandle(forWritingAtPath: operatorLog)
try process.run()
defer { if process.isRunning { process.terminate() } }
log("operator pid \(process.processIdentifier); waiting for it to lead")
while server.requestCounts().keys.filter({ $0.user == "qmysql-operator" && $0.verb == "watch" }).count < 8 {
    try await Task.sleep(for: .milliseconds(100))
    guard process.isRunning else { log("the operator exited with \(process.terminationStatus)"); exit(1) }
}
let idleRSS = ResidentMemory.kibibytes(.peak, pid: process.processIdentifier)
server.resetRequestCounts()
let idleMetrics = try await OperatorExposition.scrape(port: metricsPort)

// Create the clusters, 16 at a time.
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for index in 0..<arguments.clusters {
        if index >= 16 { try await group.next() }
        group.addTask {
            let cluster = QiniuMySQL(metadata: ObjectMeta(name: "c\(index)", namespace: "default"), spec: QiniuMySQLSpec(replicas: 3))
            _ = try await client.create(cluster, namespace: "default")
        }
    }
    try await group.waitForAll()
}
log("created \(arguments.clusters) clusters in \(start.duration(to: .now))")

// Steady: every cluster Green with its generation observed, and the operator no longer writing.
func operatorWrites() -> Int {
    server.requestCounts().filter { $0.key.user == "qmysql-operator" && ["create", "update", "patch", "delete"].contains($0.key.verb) && $0.key.resource != "leases" }
        .values.reduce(0, +)
}
var lastWrites = -1
var quietSince = ContinuousClock.now
var steadyAt = ContinuousClock.now
while true {
    try await Task.sleep(for: .seconds(1))
    let writes = operatorWrites()
    if writes != lastWrites {
        lastWrites = writes
        quietSince = .now
        continue
    }
    let clusters = try await client.listAll(QiniuMySQL.self, namespace: "default")
    let done = clusters.filter { $0.status?.state == .green && $0.status?.observedGeneration == $0.metadata.generation }.count
    if done == arguments.clusters, quietSince.duration(to: .now) >= .seconds(3) {
        steadyAt = quietSince
        break
    }
    log("\(done)/\(arguments.clusters) Green and observed; \(writes) writes so far")
}
let toSteady = start.duration(to: steadyAt)
let createCounts = server.requestCounts().filter { $0.key.user == "qmysql-operator" && $0.key.resource != "leases" }
let createWrites = createCounts.filter { ["create", "update", "patch", "delete"].contains($0.key.verb) }.values.reduce(0, +)
log("steady after \(toSteady); writes \(createWrites) (\(String(format: "%.1f", Double(createWrites) / Double(arguments.clusters))) per cluster)")
for (key, count) in createCounts.sorted(by: { $0.key.description < $1.key.description }) { log("  \(key.verb) \(key.resource): \(count)") }

let creation = try await OperatorExposition.scrape(port: metricsPort)
log("creation, the operator's own account: \(creation.since(idleMetrics).summary)")

// Steady state: resyncs every 10 s reconcile every cluster; count what they send.
server.resetRequestCounts()
let rssBefore = ResidentMemory.kibibytes(.peak, pid: process.processIdentifier)
try await Task.sleep(for: .seconds(arguments.steadySeconds))
let steadyCounts = server.requestCounts().filter { $0.key.user == "qmysql-operator" }
log("steady state over \(arguments.steadySeconds) s (resync every 10 s):")
for (key, count) in steadyCounts.sorted(by: { $0.key.description < $1.key.description }) { log("  \(key.verb) \(key.resource): \(count)") }
let steady = try await OperatorExposition.scrape(port: metricsPort).since(creation)
log("steady state, the operator's own account: \(steady.summary)")
// Its own request counts (qmysql_operator_api_requests_total; apply is a patch to the server)
// against the server's.
var receivedByVerb: [String: Int] = [:]
for (key, count) in steadyCounts { receivedByVerb[key.verb, default: 0] += count }
for (verb, count) in steady.requestsByVerb.sorted(by: { $0.key < $1.key }) where count > 0 {
    log("  the operator counted \(Int(count)) \(verb) requests; the server received \(receivedByVerb[verb == "apply" ? "patch" : verb] ?? 0)")
}
let steadyWrites = steadyCounts.filter { ["create", "update", "patch", "delete"].contains($0.key.verb) && $0.key.resource != "leases" }.values.reduce(0, +)
log("RESULT clusters=\(arguments.clusters) time_to_steady=\(toSteady) writes_per_cluster_create=\(String(format: "%.2f", Double(createWrites) / Double(arguments.clusters))) steady_writes=\(steadyWrites) peak_rss_mib=\(max(rssBefore, ResidentMemory.kibibytes(.peak, pid: process.processIdentifier)) / 1024) idle_rss_mib=\(idleRSS / 1024) steady_rss_mib=\(ResidentMemory.kibibytes(.current, pid: process.processIdentifier) / 1024) reconcile_p90_ms_create=\(String(format: "%.1f", creation.since(idleMetrics).quantile(0.9) * 1000)) reconcile_p90_ms_steady=\(String(format: "%.1f", steady.quantile(0.9) * 1000))")

process.terminate()
process.waitUntilExit()
controllers.cancel()
try? await client.shutdown()
await server.shutdown()
try? FileManager.default.removeItem(atPath: directory)
