import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Processes

/// Ceph's RADOS Gateway, a production S3 server, as small as it runs: one monitor, one OSD
/// (bluestore on a sparse file) and radosgw, all in the foreground under one directory, on their
/// own loopback address (../shared/S3.md has the recipe this follows). Up in a few seconds; every
/// process is ended by PID when the test ends. Not memstore: its OSD came up twice in four runs
/// with a store its mkfs had not kept ("wrong fsid"), and the gateway then never answered.
public final class RadosGateway: Sendable {
    public static let accessKey = "qmysql-test"
    public static let secretKey = "qmysql-test-secret-0123456789"

    public let directory: String
    public let address: String
    public let endpoint: String
    /// `https://localhost:PORT` when started with `tlsPort`: a certificate for localhost and
    /// 127.0.0.1 from a private CA, `authorityPEM`, as a private endpoint has.
    public let tlsEndpoint: String?
    public let authorityPEM: String?
    private let tls: ClusterTLS?
    private let processes: Processes

    final class Processes: @unchecked Sendable {
        private let lock = NSLock()
        private var running: [String: ChildProcess] = [:]
        func set(_ name: String, _ process: ChildProcess) { lock.withLock { running[name] = process } }
        func get(_ name: String) -> ChildProcess? { lock.withLock { running[name] } }
        var all: [ChildProcess] { lock.withLock { Array(running.values) } }
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public static var available: Bool {
        ["/usr/bin/ceph-mon", "/usr/bin/ceph-osd", "/usr/bin/radosgw", "/usr/bin/radosgw-admin", "/usr/bin/ceph-authtool", "/usr/bin/monmaptool"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(address: String, tlsPort: Int? = nil) async throws {
        self.address = address
        directory = "/tmp/qmysql-rgw-\(getpid())-\(address)"
        endpoint = "http://\(address):7480"
        tls = try tlsPort.map { _ in try ClusterTLS.generate(cluster: "rgw", namespace: "tests") }
        tlsEndpoint = tlsPort.map { "https://localhost:\($0)" }
        authorityPEM = tls?.caCertificatePEM
        processes = Processes()
        // A fresh Ceph's OSD now and then fails to register ("wrong fsid" from the monitor, then
        // an abort), and the gateway never answers (measured: 2 bring-ups in about 12): such a
        // bring-up is started over from nothing, up to three times.
        var failures: [String] = []
        for _ in 1...3 {
            do {
                try await bringUp()
                return
            } catch {
                failures.append("\(error)")
                await stop()
            }
        }
        throw Failure(description: "a one-node Ceph with its RADOS Gateway did not come up in three tries:\n" + failures.joined(separator: "\n"))
    }

    private func bringUp() async throws {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: directory)
        for sub in ["run", "mon/a", "osd/0", "rgw", "log"] {
            try fileManager.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        var tlsFrontend = ""
        if let tls, let port = tlsEndpoint.flatMap({ URL(string: $0)?.port }) {
            try tls.certificatePEM.write(toFile: directory + "/rgw/tls.crt", atomically: true, encoding: .utf8)
            try tls.keyPEM.write(toFile: directory + "/rgw/tls.key", atomically: true, encoding: .utf8)
            tlsFrontend = " ssl_endpoint=127.0.0.1:\(port) ssl_certificate=\(directory)/rgw/tls.crt ssl_private_key=\(directory)/rgw/tls.key"
        }
        let fsid = UUID().uuidString.lowercased()
        let d = directory
        let config = """
            [global]
            fsid = \(fsid)
            mon host = \(address):6789
            public network = 127.0.0.0/8
            ms bind ipv6 = false
            auth cluster required = none
            auth service required = none
            auth client required = none
            osd pool default size = 1
            osd pool default min size = 1
            osd pool default pg num = 8
            osd pool default pgp num = 8
            osd pool default pg autoscale mode = off
            osd crush chooseleaf type = 0
            mon allow pool size one = true
            mon allow pool delete = true
            mon warn on pool no redundancy = false
            mon data avail warn = 2
            paxos propose interval = 0.01
            paxos min wait = 0.001
            run dir = \(d)/run
            log file = \(d)/log/$name.log
            admin socket = \(d)/run/$name.asok
            pid file = \(d)/run/$name.pid
            keyring = \(d)/keyring
            [mon.a]
            mon data = \(d)/mon/a
            [osd]
            osd data = \(d)/osd/$id
            osd objectstore = bluestore
            bluestore block create = true
            bluestore block size = 4294967296
            [client.rgw]
            rgw frontends = beast endpoint=\(address):7480\(tlsFrontend)
            rgw data = \(d)/rgw
            rgw gc obj min wait = 0
            rgw thread pool size = 16
            # SSE-C over plain HTTP on loopback (a real deployment keeps the default: TLS only).
            rgw crypt require ssl = false
            objecter tick interval = 0.2

            """
        try config.write(toFile: d + "/ceph.conf", atomically: true, encoding: .utf8)
        let conf = ["--conf", d + "/ceph.conf"]
        try await Self.run("/usr/bin/ceph-authtool", ["--create-keyring", d + "/keyring", "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"], log: d)
        try await Self.run("/usr/bin/monmaptool", ["--create", "--add", "a", "\(address):6789", "--fsid", fsid, d + "/run/monmap"], log: d)
        try await Self.run("/usr/bin/ceph-mon", conf + ["-i", "a", "--mkfs", "--monmap", d + "/run/monmap", "--keyring", d + "/keyring"], log: d)
        processes.set("mon", try ChildProcess.spawn("/usr/bin/ceph-mon", arguments: conf + ["-i", "a", "-f"], outputPath: d + "/log/mon.out"))
        let osd = UUID().uuidString.lowercased()
        try await Self.run("/usr/bin/ceph", conf + ["osd", "new", osd], log: d)
        try await Self.run("/usr/bin/ceph-osd", conf + ["-i", "0", "--mkfs", "--osd-uuid", osd], log: d)
        processes.set("osd", try ChildProcess.spawn("/usr/bin/ceph-osd", arguments: conf + ["-i", "0", "-f"], outputPath: d + "/log/osd.out"))
        try await startGateway(within: .seconds(30))
        try await Self.run("/usr/bin/radosgw-admin", conf + ["-n", "client.rgw", "user", "create", "--uid=qmysql", "--display-name=qmysql",
                                                            "--access-key=\(Self.accessKey)", "--secret=\(Self.secretKey)"], log: d)
    }

    /// Starts radosgw (again) and waits until it answers.
    public func startGateway(within limit: Duration = .seconds(60)) async throws {
        processes.set("rgw", try ChildProcess.spawn("/usr/bin/radosgw", arguments: ["--conf", directory + "/ceph.conf", "-n", "client.rgw", "-f"],
                                                    outputPath: directory + "/log/rgw.out"))
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: endpoint + "/"), timeout: .seconds(1)), response.status.code == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let logs = ["client.rgw.log", "osd.out", "osd.0.log", "mon.a.log"].map { name in
            "--- \(name):\n" + String(String(decoding: FileManager.default.contents(atPath: "\(directory)/log/\(name)") ?? Data(), as: UTF8.self).suffix(1500))
        }
        throw Failure(description: "radosgw did not answer on \(endpoint) within \(limit)\n" + logs.joined(separator: "\n"))
    }

    /// SIGKILL to radosgw alone: the objects stay in the OSD.
    public func killGateway() async {
        guard let gateway = processes.get("rgw") else { return }
        gateway.signal(SIGKILL)
        _ = await gateway.wait()
    }

    public func stop() async {
        for process in processes.all { process.signal(SIGKILL) }
        for process in processes.all { _ = await process.wait() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func run(_ executable: String, _ arguments: [String], log directory: String) async throws {
        let output = directory + "/log/commands.out"
        let child = try ChildProcess.spawn(executable, arguments: arguments, outputPath: output)
        guard let exit = await child.wait(timeout: .seconds(60)) else {
            child.signal(SIGKILL)
            throw Failure(description: "\(executable) did not finish within 60 s")
        }
        guard exit.isClean else {
            let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) \(exit): \(text.suffix(800))")
        }
    }
}
