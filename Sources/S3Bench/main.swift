// S3Bench: a backup's stream into an S3 bucket (Ceph's RADOS Gateway on loopback) against the
// same stream into the file store, side by side in one run, and the S3 writer's memory
// (docs/benchmarks.md).
//
//   swift build -c release --product S3Bench
//   .build/release/S3Bench [--size-mib 1024] [--runs 3]
//
// The stream is what the controller hands a store: chunks of 1 MiB, here cut from 64 MiB of
// random bytes (a compressed backup does not compress further). The file store writes under
// --root, on the same disk as the gateway's OSD file. Memory: the process's peak RSS (VmHWM,
// reset before each write through /proc/self/clear_refs) minus its RSS before the write.
// Addresses: 127.0.46.4 (the gateway).
import ArgumentParser
import Backup
import Foundation
import Galera
import ObjectStorage
import Processes
import S3TestServers

struct Arguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "S3Bench", abstract: "A backup stream into S3 (RADOS Gateway) against the file store, and the S3 writer's memory.")

    @Option(help: "The stream's size, in MiB.")
    var sizeMib = 1024
    @Option(help: "Runs of each store.")
    var runs = 3
    @Option(help: "Where the file store writes (removed at the end).")
    var root = "/tmp/qmysql-s3-bench"
}

func log(_ text: String) {
    print("[\(Date.ISO8601FormatStyle().format(Date()))] \(text)")
    fflush(nil)
}

/// Writes `size` bytes to `store` in 1 MiB chunks; returns the seconds taken and the peak RSS
/// above the RSS before, in MiB.
func write(_ store: any BackupStore, id: String, size: Int, pool: Data) async throws -> (seconds: Double, peakMiB: Double) {
    ResidentMemory.resetPeak()
    let before = ResidentMemory.kibibytes(.current)
    let started = ContinuousClock.now
    let writer = try await store.beginWrite(cluster: "bench", id: id)
    var written = 0
    let chunk = 1 << 20
    while written < size {
        let offset = written % (pool.count - chunk)
        try await writer.append(pool.subdata(in: offset..<offset + chunk))
        written += chunk
    }
    let record = BackupMetadata(id: id, cluster: "bench", node: "bench-0", flavor: .mariadb, serverVersion: "10.11.19-MariaDB",
                                startedAt: Date(), finishedAt: Date(), size: 0, sha256: "",
                                position: try GaleraPosition(parsing: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002:1"))
    _ = try await writer.finish(record)
    let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
    return (seconds, Double(ResidentMemory.kibibytes(.peak) - before) / 1024)
}

let arguments = Arguments.parseOrExit()
guard RadosGateway.available else {
    FileHandle.standardError.write(Data("Ceph's ceph-mon, ceph-osd and radosgw are missing: run scripts/setup\n".utf8))
    exit(2)
}
let size = arguments.sizeMib << 20
var generator = SystemRandomNumberGenerator()
var bytes = [UInt8](repeating: 0, count: 64 << 20)
for index in stride(from: 0, to: bytes.count, by: 8) {
    withUnsafeBytes(of: generator.next()) { random in for byte in 0..<8 { bytes[index + byte] = random[byte] } }
}
let pool = Data(bytes)
bytes = []

log("starting a one-node Ceph with its RADOS Gateway")
let gateway = try await RadosGateway(address: "127.0.46.4")
do {
    let client = try S3Client(location: S3Location(endpoint: gateway.endpoint, bucket: "bench"),
                              credentials: .init(accessKey: RadosGateway.accessKey, secretKey: RadosGateway.secretKey))
    try await client.createBucket()
    let s3 = S3BackupStore(client: client, prefix: "bench/")
    try? FileManager.default.removeItem(atPath: arguments.root)
    let files = FileBackupStore(root: arguments.root)
    var results: [String: [(seconds: Double, peakMiB: Double)]] = [:]
    for run in 1...arguments.runs {
        for (name, store) in [("file", files as any BackupStore), ("s3", s3 as any BackupStore)] {
            let id = "bench-run\(run)"
            let result = try await write(store, id: id, size: size, pool: pool)
            results[name, default: []].append(result)
            log(String(format: "%@ run %d: %d MiB in %.2f s (%.0f MiB/s), peak RSS +%.1f MiB", name, run, arguments.sizeMib,
                       result.seconds, Double(arguments.sizeMib) / result.seconds, result.peakMiB))
            try await store.delete(cluster: "bench", id: id)
        }
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let file = median(results["file"]!.map(\.seconds))
    let object = median(results["s3"]!.map(\.seconds))
    log(String(format: "median: file %.2f s, s3 %.2f s: s3 runs at %.2f of the file store's rate; the s3 writer's peak RSS +%.1f MiB (largest of %d runs)",
               file, object, file / object, results["s3"]!.map(\.peakMiB).max() ?? 0, arguments.runs))
    try? FileManager.default.removeItem(atPath: arguments.root)
} catch {
    await gateway.stop()
    throw error
}
await gateway.stop()
