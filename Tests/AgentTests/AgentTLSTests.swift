import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Galera
import Logging
import Processes
import Testing
@testable import Agent
import RoleNetwork

/// The agent's API over HTTPS with the cluster's certificate: a caller trusting the cluster's CA
/// gets answers; one trusting another cluster's CA, or speaking plain HTTP, gets none.
@Suite("agent API over TLS")
struct AgentTLSTests {
    @Test("only callers that trust this cluster's CA are answered")
    func onlyTheClustersCAIsTrusted() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        let tls = try ClusterTLS.generate(cluster: "secure", namespace: "rds")
        let foreign = try ClusterTLS.generate(cluster: "secure", namespace: "rds")  // same names, another CA
        try tls.certificatePEM.write(toFile: root + "/tls.crt", atomically: true, encoding: .utf8)
        try tls.keyPEM.write(toFile: root + "/tls.key", atomically: true, encoding: .utf8)

        let address = "127.0.40.3"
        var options = AgentOptions(nodeName: "secure-0", clusterName: "secure", dataDirectory: root + "/data", address: address,
                                   peers: ["secure-0.secure-peers", "secure-1.secure-peers", "secure-2.secure-peers"])
        options.tlsCertificateFile = root + "/tls.crt"
        options.tlsKeyFile = root + "/tls.key"
        #expect(options.problems.isEmpty, "\(options.problems)")
        let configuration = try AgentConfiguration(options: options, token: "tls-test-token-0123456789", monitorPassword: nil)
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical
        let service = AgentService(configuration: configuration, logger: logger)
        let running = Task { try await service.run() }
        defer { running.cancel() }

        func client(trusting ca: String?) throws -> HTTPClient {
            var http = HTTPClient.Configuration()
            if let ca { http.tlsConfiguration = try RoleTLS.client(caPEM: ca) }
            http.timeout = .init(connect: .seconds(2), read: .seconds(5))
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        }
        let trusting = try client(trusting: tls.caCertificatePEM)
        let mistrusting = try client(trusting: foreign.caCertificatePEM)
        let plain = try client(trusting: nil)
        defer {
            for http in [trusting, mistrusting, plain] { Task { try? await http.shutdown() } }
        }
        let secure = AgentClient(baseURL: "https://\(address):\(DefaultPorts.agent)", token: configuration.token, httpClient: trusting)
        let deadline = ContinuousClock.now + .seconds(20)
        while !(await secure.live()) {
            guard ContinuousClock.now < deadline else { Issue.record("the agent did not answer over HTTPS"); return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = try await secure.status()
        #expect(status.node == "secure-0")

        let impostor = AgentClient(baseURL: "https://\(address):\(DefaultPorts.agent)", token: configuration.token, httpClient: mistrusting)
        await #expect(throws: (any Error).self, "another cluster's CA does not vouch for this agent") { _ = try await impostor.status() }
        let cleartext = AgentClient(baseURL: "http://\(address):\(DefaultPorts.agent)", token: configuration.token, httpClient: plain)
        await #expect(throws: (any Error).self, "no plain HTTP on a TLS port") { _ = try await cleartext.status() }
    }

    @Test("the cluster's certificate names its nodes, its Services and loopback, and its SHA-1 fingerprint is openssl's")
    func certificateNamesAndFingerprint() async throws {
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "rds")
        for host in ["demo-0.demo-peers", "demo-2.demo-peers.rds.svc", "demo", "demo.rds.svc", "DEMO.rds.svc.cluster.local", "demo-controller", "localhost", "127.0.0.1"] {
            #expect(ClusterTLS.certificate(tls.certificatePEM, names: host), "\(host)")
        }
        for host in ["demo-peers", "a.b.demo-peers", "other.rds.svc", "127.0.0.2", "demo-0.other-peers"] {
            #expect(!ClusterTLS.certificate(tls.certificatePEM, names: host), "\(host)")
        }
        #expect(!ClusterTLS.certificate("not a certificate", names: "demo"))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-fp-\(getpid()).crt").path
        let output = file + ".out"
        defer { for path in [file, output] { try? FileManager.default.removeItem(atPath: path) } }
        try tls.certificatePEM.write(toFile: file, atomically: true, encoding: .utf8)
        let openssl = try ChildProcess.spawn("/usr/bin/openssl", arguments: ["x509", "-in", file, "-noout", "-fingerprint", "-sha1"], outputPath: output)
        #expect(await openssl.wait().isClean)
        let printed = try String(contentsOfFile: output, encoding: .utf8)  // "sha1 Fingerprint=7F:15:..."
        let expected = printed.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(ClusterTLS.sha1Fingerprint(ofCertificatePEM: tls.certificatePEM) == expected, "\(printed)")
        #expect(ClusterTLS.sha1Fingerprint(ofCertificatePEM: "not a certificate") == nil)
    }

    @Test("half a TLS configuration, an https controller without a CA, or replication over TLS without the files, is refused with what to give")
    func refusesIncompleteTLSOptions() {
        var options = AgentOptions(nodeName: "n0", clusterName: "c", dataDirectory: "/d", address: "127.0.0.2", peers: ["127.0.0.2"])
        options.tlsCertificateFile = "/tls.crt"
        #expect(options.problems.contains { $0.contains("--tls-cert-file and --tls-key-file go together") })
        options.tlsKeyFile = "/tls.key"
        options.controllerURL = "https://c-controller:9810/v1/reports/n0"
        #expect(options.problems == ["--controller-url is https: give --ca-file, the CA its certificate must chain to"])
        options.caFile = "/ca.crt"
        #expect(options.problems.isEmpty)
        options.replicationEncryption = .required
        #expect(options.problems.isEmpty, "replication over TLS with the cluster's certificate")
        options.caFile = nil
        options.controllerURL = nil
        #expect(options.problems == ["--replication-tls required needs the cluster's certificate: give --tls-cert-file, --tls-key-file and --ca-file, or --replication-tls off"])
        options.replicationEncryption = .off
        options.requireSecureTransport = true
        #expect(options.problems == ["--require-secure-transport needs the cluster's certificate for mysqld: give --tls-cert-file, --tls-key-file and --ca-file"])
    }
}
