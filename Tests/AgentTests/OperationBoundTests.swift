import AgentAPI
import Foundation
import Galera
import Logging
import Testing
@testable import Agent

/// Every agent operation has a bound below the controller's step deadline: a `--wsrep-recover`
/// that never ends (a stuck disk) is cut off at `helperTimeout` with a 504, and the agent is free
/// again afterwards. mysqld is stood in for by a script that only sleeps.
@Suite("agent operation bounds")
struct OperationBoundTests {
    @Test("a --wsrep-recover that hangs is cut off at the helper timeout with 504, and the agent is not left busy")
    func recoverIsBounded() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-bound-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data + "/mysql", withIntermediateDirectories: true)
        // A crashed node: seqno -1, so its position must be recovered.
        try """
            # GALERA saved state
            version: 2.1
            uuid:    d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1
            seqno:   -1
            safe_to_bootstrap: 0

            """.write(toFile: data + "/grastate.dat", atomically: true, encoding: .utf8)
        let hanging = root + "/mariadbd-that-hangs"
        try "#!/bin/sh\nexec sleep 60\n".write(toFile: hanging, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hanging)

        let address = "127.0.40.2"
        var configuration = AgentConfiguration(
            nodeName: "n0", cluster: ClusterSettings(name: "bound", flavor: .mariadb, peers: ["\(address):4567"]),
            address: address, dataDirectory: data, listenAddress: address, listenPort: DefaultPorts.agent,
            token: "bound-test-token-0123456789")
        configuration.serverBinary = hanging
        configuration.helperTimeout = .seconds(1)
        var logger = Logger(label: "bound-test")
        logger.logLevel = .critical
        let service = AgentService(configuration: configuration, logger: logger)
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let client = AgentClient(baseURL: "http://\(address):\(DefaultPorts.agent)", token: configuration.token)
        let deadline = ContinuousClock.now + .seconds(20)
        while !(await client.live()) {
            guard ContinuousClock.now < deadline else { Issue.record("the agent did not answer"); return }
            try await Task.sleep(for: .milliseconds(50))
        }

        let started = ContinuousClock.now
        do {
            _ = try await client.recover(timeout: .seconds(30))
            Issue.record("a hanging --wsrep-recover must not succeed")
        } catch {
            #expect(error.apiError?.status == 504, "\(error)")
            #expect(error.apiError?.code == "wsrep-recoverTimeout", "\(error)")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(15), "cut off near the 1 s bound, not after the helper's 60 s: \(elapsed)")
        let status = try await client.status()
        #expect(status.operation == nil, "the agent is free again")
        running.cancel()
        _ = try? await running.value
    }
}
