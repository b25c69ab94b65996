// StateTransferBench: how fast a full state transfer (SST) is, by our method and by the packaged
// one, on a datadir of a given size, side by side in one run (docs/benchmarks.md).
//
//   swift build -c release --product kubectl-qmysql --product StateTransferBench
//   .build/release/StateTransferBench [--size-mib 1024] [--runs 1]
//
// Once: a node is bootstrapped and filled with `--size-mib` of rows (text that compresses about
// as well as real rows do), stopped cleanly, and its datadir kept as the seed. Then, for each
// method, each run: a two-node cluster whose node 0 starts from a copy of the seed and whose
// node 1, empty, joins; the time from its join request to Synced is the transfer. The packaged
// script's donor sleeps 10 s before sending (unconditionally), which is subtracted for the
// ratio. Node addresses 127.0.44.2-3: run it with nothing else on them.
import ArgumentParser
import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import RoleNetwork

struct Arguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "StateTransferBench", abstract: "Full state transfers by our method (with and without TLS) and the packaged one, side by side.")

    @Option(help: "The datadir's data, in MiB of rows.")
    var sizeMib = 1024
    @Option(help: "Runs of each method.")
    var runs = 1
    @Option(help: "The kubectl-qmysql binary that runs the agents.")
    var binary = ".build/release/kubectl-qmysql"
    @Option(help: "Where the bench keeps its files (removed at the end).")
    var root = "/tmp/qmysql-sst-bench"
}

func log(_ text: String) {
    print("[\(Date.ISO8601FormatStyle().format(Date()))] \(text)")
    fflush(nil)
}

struct Case {
    var name: String
    var method: StateTransferChoice
    var tls: Bool
    /// The packaged script's sleep before it sends anything.
    var sleep: Duration
}

let arguments = Arguments.parseOrExit()
guard FileManager.default.isExecutableFile(atPath: arguments.binary) else {
    FileHandle.standardError.write(Data("no executable at \(arguments.binary); build it: swift build -c release --product kubectl-qmysql\n".utf8))
    exit(2)
}
let root = arguments.root
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)

// The cluster's certificate, as the operator would make it.
let tls = try ClusterTLS.generate(cluster: "sstbench", namespace: "bench")
let files = try tls.writeFiles(to: root + "/tls")
var httpConfiguration = HTTPClient.Configuration()
httpConfiguration.tlsConfiguration = try RoleTLS.client(caPEM: tls.caCertificatePEM)
let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
let threadPool = NIOThreadPool(numberOfThreads: 1)
threadPool.start()

/// Every cluster made, so that a failure ends their processes (a top-level error runs no deinit).
nonisolated(unsafe) var made: [LocalCluster] = []
func fail(_ error: any Error) -> Never {
    log("failed: \(error)")
    for cluster in made { cluster.killAll() }
    exit(1)
}

func cluster(_ name: String, method: StateTransferChoice, tls useTLS: Bool) -> LocalCluster {
    var configuration = LocalClusterConfiguration(name: "sstbench", root: root + "/" + name, executable: arguments.binary)
    configuration.firstAddress = "127.0.44.2"
    configuration.nodeCount = 2
    configuration.stateTransfer = method
    configuration.syncTimeout = .seconds(1800)
    if useTLS {
        configuration.tls = .init(files: files, httpClient: httpClient)
        configuration.replicationEncryption = .required
    }
    let cluster = LocalCluster(configuration: configuration)
    made.append(cluster)
    return cluster
}

// 1. The seed: one node with the data, stopped cleanly.
let seedCluster = cluster("seed", method: .qmysql, tls: false)
let seed = root + "/seed-datadir"
do {
    try await seedCluster.startAgents()
    try await seedCluster.startNode(0, mode: .bootstrap)
    let connection = try await MySQLConnection.connect(seedCluster.node(0).sqlOptions, threadPool: threadPool)
    try await connection.execute("CREATE DATABASE bench")
    try await connection.execute("CREATE TABLE bench.rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, body MEDIUMTEXT) ENGINE=InnoDB")
    // 4,096 rows of 16 KiB per statement, 64 MiB: half random bytes in base64 (which zstd
    // shrinks only to about three quarters), half repeated text (which it all but removes), so
    // the whole compresses about 2.5:1, as ordinary rows do. Not REPEAT of one value alone:
    // that compresses 100:1 and measures nothing but the disk.
    let statements = max(1, arguments.sizeMib / 64)
    let started = ContinuousClock.now
    let random = (0..<6).map { _ in "TO_BASE64(RANDOM_BYTES(1024))" }.joined(separator: ", ")
    for index in 1...statements {
        try await connection.execute("INSERT INTO bench.rows (body) SELECT CONCAT(\(random), REPEAT('qmysql row text ', 512)) FROM bench.seq_1_to_4096")
        if index % 4 == 0 || index == statements { log("loaded \(index * 64) MiB of rows") }
    }
    await connection.close()
    log("seed loaded in \(ContinuousClock.now - started)")
    _ = try await seedCluster.node(0).client.stop(.graceful)
    await seedCluster.stopAgents()
    let copy = Process()
    copy.executableURL = URL(fileURLWithPath: "/bin/cp")
    copy.arguments = ["-a", seedCluster.node(0).dataDirectory, seed]
    try copy.run()
    copy.waitUntilExit()
} catch {
    fail(error)
}
let seedBytes = try directoryBytes(seed)
log("seed datadir: \(seedBytes >> 20) MiB")

func directoryBytes(_ path: String) throws -> Int64 {
    var total: Int64 = 0
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let file = enumerator?.nextObject() as? String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + file)
        if (attributes[.type] as? FileAttributeType) == .typeRegular { total += (attributes[.size] as? Int64) ?? 0 }
    }
    return total
}

// 2. Each method joins an empty node to a copy of the seed.
let cases = [
    Case(name: "qmysql, TLS", method: .qmysql, tls: true, sleep: .zero),
    Case(name: "qmysql, plain TCP", method: .qmysql, tls: false, sleep: .zero),
    Case(name: "packaged (mariabackup), plain TCP", method: .packaged, tls: false, sleep: .seconds(10)),
]
var results: [String: [Duration]] = [:]
do {
    for run in 1...arguments.runs {
        for item in cases {
            let name = "run\(run)-\(item.method.rawValue)-\(item.tls ? "tls" : "plain")"
            let bench = cluster(name, method: item.method, tls: item.tls)
            try FileManager.default.createDirectory(atPath: bench.node(0).directory, withIntermediateDirectories: true)
            let copy = Process()
            copy.executableURL = URL(fileURLWithPath: "/bin/cp")
            copy.arguments = ["-a", seed, bench.node(0).dataDirectory]
            try copy.run()
            copy.waitUntilExit()
            try await bench.startAgents()
            try await bench.startNode(0, mode: .bootstrap)
            let started = ContinuousClock.now
            let joined = try await bench.startNode(1, mode: .join)
            let took = ContinuousClock.now - started
            guard joined.lastStateTransfer?.method == "SST" else {
                log("\(item.name): node 1 did not join by SST: \(String(describing: joined.lastStateTransfer))")
                exit(1)
            }
            results[item.name, default: []].append(took - item.sleep)
            log("run \(run), \(item.name): join by SST to Synced in \(took)\(item.sleep > .zero ? " (\(took - item.sleep) without the donor's sleep)" : "")")
            await bench.shutdown()
            try? FileManager.default.removeItem(atPath: root + "/" + name)
        }
    }
} catch {
    fail(error)
}
try await httpClient.shutdown().get()
try await threadPool.shutdownGracefully()
try? FileManager.default.removeItem(atPath: root)

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
let bests = results.mapValues { $0.map(seconds).min() ?? .nan }
func best(_ name: String) -> Double { bests[name] ?? .nan }
let mib = Double(seedBytes) / 1_048_576
print("| method | join by SST to Synced (best of \(arguments.runs), packaged without its 10 s sleep) | datadir MiB/s |")
print("|---|---|---|")
for item in cases {
    print("| \(item.name) | \(String(format: "%.1f", best(item.name))) s | \(String(format: "%.0f", mib / best(item.name))) |")
}
let ours = best("qmysql, TLS"), theirs = best("packaged (mariabackup), plain TCP"), plain = best("qmysql, plain TCP")
print("")
print("throughput, ours (TLS) to packaged: \(String(format: "%.2f", theirs / ours)); TLS to plain TCP (ours): \(String(format: "%.2f", plain / ours))")
