import ArgumentParser
import Backup
import Controller
import ControllerAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import ObjectStorage
import Processes
import S3TestServers

/// `ControllerBench backup`: backup throughput through agent, controller and store, against the
/// raw tool on the same data in the same run, and restore time, for a few data sizes.
///
/// Per size: a Green three-node cluster, a table filled to the size (half compressible text,
/// half random bytes), then alternately: `mariabackup --backup --stream` straight to a file,
/// the same through `zstd -1` (both then `sync FILE`: a backup counts once it is on disk, and
/// the store fsyncs too), and a backup task of the controller (which also reads the stored
/// backup back to verify it; that read is timed on its own and reported apart). Then a restore
/// from the task's backup (no safety backup: the same data would be backed up again).
enum BackupBench {
    struct Sample {
        var raw: Duration
        var rawZstd: Duration
        var task: Duration
        var verify: Duration
        var rawBytes: Int64
        var storedBytes: Int64
        /// The bench process's peak RSS during the task above its RSS before, in MiB: the
        /// controller's share (it runs in this process; agents and mysqld are processes of their own).
        var peakMiB: Double
    }

    struct Arguments: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ControllerBench backup", abstract: "Backup and verify throughput against the raw tool (docs/benchmarks.md).")

        @Option(help: ArgumentHelp("Database sizes to back up, in MiB, comma-separated.", valueName: "MiB,MiB"),
                transform: { text in
                    let sizes = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--sizes takes sizes in MiB, e.g. 64,256") }
                    return sizes
                })
        var sizes: [Int] = [64, 256]
        @Option(help: "Runs of each size.")
        var runs = 2
        @Flag(help: "Back up into an S3 bucket of Ceph's RADOS Gateway on 127.0.46.4 instead of the file store.")
        var s3 = false
    }

    static func main(_ arguments: Arguments) async -> Int32 {
        let sizes = arguments.sizes
        let runs = max(1, arguments.runs)
        guard geteuid() == 0 else {
            FileHandle.standardError.write(Data("ControllerBench runs mariadbd as root (user=root); run it as root\n".utf8))
            return 77
        }
        do {
            let bed = try BenchBed()
            var lines: [String] = []
            var gateway: RadosGateway?
            do {
                if arguments.s3 {
                    say("starting Ceph's RADOS Gateway on 127.0.46.4 ...")
                    gateway = try await RadosGateway(address: "127.0.46.4")
                }
                say("building the snapshot (initialise, bootstrap, 2 SST joins) ...")
                try await bed.buildSnapshot()
                for size in sizes {
                    let store: any BackupStore
                    if let gateway {
                        let client = try S3Client(location: S3Location(endpoint: gateway.endpoint, bucket: "bench-\(size)"),
                                                  credentials: .init(accessKey: RadosGateway.accessKey, secretKey: RadosGateway.secretKey))
                        try await client.createBucket()
                        store = S3BackupStore(client: client, prefix: "bench/")
                    } else {
                        store = FileBackupStore(root: bed.root + "/backups-\(size)")
                    }
                    lines.append(try await measure(size: size, runs: runs, bed: bed, store: store))
                }
            } catch {
                await bed.tearDown()
                await gateway?.stop()
                throw error
            }
            await bed.tearDown()
            await gateway?.stop()
            say("")
            say("store: \(arguments.s3 ? "S3 (RADOS Gateway on loopback)" : "files")")
            say("| data | raw stream | raw + zstd -1 | qmysql backup (stream) | ratio vs raw | ratio vs raw + zstd | read-back verify | restore (3 nodes) | peak RSS above before, each run |")
            say("|---|---|---|---|---|---|---|---|---|")
            for line in lines { say(line) }
            return 0
        } catch {
            FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
            return 1
        }
    }

    static func measure(size: Int, runs: Int, bed: BenchBed, store: any BackupStore) async throws -> String {
        let run = try await bed.startRun("backup-\(size)") { $0.backupStore = store }
        do {
            let line = try await measure(size: size, runs: runs, run: run, store: store, bed: bed)
            await run.stop()
            return line
        } catch {
            await run.stop()
            throw error
        }
    }

    static func measure(size: Int, runs: Int, run: BenchRun, store: any BackupStore, bed: BenchBed) async throws -> String {
        let node = run.cluster.node(2)
        say("\(size) MiB: filling the table ...")
        try await fill(node: run.cluster.node(0), mebibytes: size, threadPool: bed.threadPool)
        try await run.waitSettledGreen(timeout: .seconds(120))
        let datadir = directorySize(node.dataDirectory)
        say("\(size) MiB: datadir of \(node.name) is \(datadir >> 20) MiB")

        var samples: [Sample] = []
        var lastBackup: BackupSummary?
        for attempt in 1...runs {
            let raw = try await rawBackup(node: node, compress: false, scratch: run.root + "/raw")
            let rawZstd = try await rawBackup(node: node, compress: true, scratch: run.root + "/raw")
            ResidentMemory.resetPeak()
            let residentBefore = ResidentMemory.kibibytes(.current)
            let started = ContinuousClock.now
            _ = try await run.controller.submit(DataTaskRequest(name: "bench-\(attempt)", action: .backup))
            let done = try await waitTask(run.controller, "bench-\(attempt)", timeout: .seconds(1800))
            let task = ContinuousClock.now - started
            let peakMiB = Double(ResidentMemory.kibibytes(.peak) - residentBefore) / 1024
            guard done.phase == .succeeded, let backup = done.backup else { throw BenchFailure("backup failed: \(done.message ?? "")") }
            let verifyStarted = ContinuousClock.now
            _ = try await store.verify(cluster: "bench", id: backup.id, at: Date()) { _ in }
            let verify = ContinuousClock.now - verifyStarted
            let sample = Sample(raw: raw.time, rawZstd: rawZstd.time, task: task - verify, verify: verify, rawBytes: raw.bytes, storedBytes: backup.size,
                                peakMiB: peakMiB)
            say("\(size) MiB run \(attempt): raw \(seconds(raw.time)) s (\(raw.bytes >> 20) MiB), raw+zstd \(seconds(rawZstd.time)) s (\(rawZstd.bytes >> 20) MiB), task \(seconds(task)) s incl. verify \(seconds(verify)) s (\(backup.size >> 20) MiB stored), peak RSS +\(String(format: "%.1f", peakMiB)) MiB")
            samples.append(sample)
            lastBackup = backup
        }
        guard let backup = lastBackup else { throw BenchFailure("no backup") }
        let restoreStarted = ContinuousClock.now
        _ = try await run.controller.submit(DataTaskRequest(name: "bench-restore", action: .restore, backupID: backup.id, skipSafetyBackup: true))
        let restored = try await waitTask(run.controller, "bench-restore", timeout: .seconds(1800))
        let restore = ContinuousClock.now - restoreStarted
        guard restored.phase == .succeeded else { throw BenchFailure("restore failed: \(restored.message ?? "")") }
        say("\(size) MiB restore: \(seconds(restore)) s")

        func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
        let raw = median(samples.map(\.raw))
        let rawZstd = median(samples.map(\.rawZstd))
        let stream = median(samples.map(\.task))
        let verify = median(samples.map(\.verify))
        let rawBytes = samples.last!.rawBytes
        func rate(_ bytes: Int64, _ time: Duration) -> String { String(format: "%.0f MiB/s", Double(bytes) / 1_048_576 / max(0.001, secondsValue(time))) }
        return "| \(size) MiB (datadir \(datadir >> 20) MiB, stream \(rawBytes >> 20) MiB → \(samples.last!.storedBytes >> 20) MiB stored) "
            + "| \(seconds(raw)) s (\(rate(rawBytes, raw))) | \(seconds(rawZstd)) s | \(seconds(stream)) s (\(rate(rawBytes, stream))) "
            + "| \(String(format: "%.2f", secondsValue(raw) / secondsValue(stream))) | \(String(format: "%.2f", secondsValue(rawZstd) / secondsValue(stream))) "
            + "| \(seconds(verify)) s | \(seconds(restore)) s | \(samples.map { String(format: "+%.1f", $0.peakMiB) }.joined(separator: ", ")) MiB |"
    }

    /// Half text, half random bytes: what a table of mixed content compresses like.
    static func fill(node: LocalNode, mebibytes: Int, threadPool: NIOThreadPool) async throws {
        let connection = try await MySQLConnection.connect(node.sqlOptions, threadPool: threadPool)
        defer { Task { await connection.close() } }
        _ = try await connection.execute("CREATE DATABASE IF NOT EXISTS bench")
        _ = try await connection.execute("CREATE TABLE IF NOT EXISTS bench.rows (id BIGINT PRIMARY KEY, text VARCHAR(512), noise VARBINARY(512)) ENGINE=InnoDB")
        let rowBytes = 512
        let rows = mebibytes * 1_048_576 / rowBytes
        var next = 1
        while next <= rows {
            let last = min(rows, next + 49_999)
            _ = try await connection.execute("""
                INSERT INTO bench.rows SELECT seq, REPEAT(MD5(seq), 8), RANDOM_BYTES(256) FROM bench.seq_\(next)_to_\(last)
                """)
            next = last + 1
        }
    }

    static func rawBackup(node: LocalNode, compress: Bool, scratch: String) async throws -> (time: Duration, bytes: Int64) {
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let output = scratch + (compress ? "/raw.xb.zst" : "/raw.xb")
        let command = "mariabackup --defaults-file=\(node.runDirectory)/my.cnf --backup --galera-info --stream=xbstream --target-dir=\(scratch)/tmp 2>\(scratch)/log"
            + (compress ? " | zstd -1 -q" : "") + " > \(output) && sync \(output)"
        let started = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", command]
        try process.run()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        let time = ContinuousClock.now - started
        guard process.terminationStatus == 0 else { throw BenchFailure("\(command) exited with \(process.terminationStatus)") }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.int64Value ?? 0
        try? FileManager.default.removeItem(atPath: scratch)
        return (time, bytes)
    }

    static func waitTask(_ controller: ClusterController, _ name: String, timeout: Duration) async throws -> DataTaskStatus {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let task = await controller.dataTask(name), task.phase.isFinished { return task }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchFailure("task \(name) did not finish within \(timeout)")
    }

    static func directorySize(_ path: String) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        for case let name as String in enumerator {
            total += ((try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return total
    }

    static func secondsValue(_ duration: Duration) -> Double {
        duration.inSeconds
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.1f", secondsValue(duration)) }
}
