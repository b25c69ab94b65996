import AgentAPI
import Foundation
import Galera
import Testing
@testable import Roles

@Suite("agent command line")
struct AgentCommandTests {
    static let base = [
        "--node-name", "demo-1", "--cluster-name", "demo", "--data-dir", "/var/lib/qmysql/demo-1/data",
        "--address", "127.0.0.3", "--peers", "127.0.0.2,127.0.0.3:4567,127.0.0.4", "--token", "0123456789abcdef-token",
    ]

    @Test("a full command line becomes a configuration")
    func parses() throws {
        let command = try AgentCommand.parse(Self.base + ["--controller-url", "http://127.0.0.1:7443/v1/reports/demo-1", "--heartbeat-interval", "2.5", "--no-pc-recovery", "--start", "join"])
        let configuration = try command.makeConfiguration()
        #expect(configuration.nodeName == "demo-1")
        #expect(configuration.cluster.peers == ["127.0.0.2:4567", "127.0.0.3:4567", "127.0.0.4:4567"])
        #expect(configuration.cluster.pcRecovery == false)
        #expect(configuration.runDirectory == "/var/lib/qmysql/demo-1/data-run")
        #expect(configuration.listenAddress == "127.0.0.3")
        #expect(configuration.listenPort == DefaultPorts.agent)
        #expect(configuration.heartbeatInterval == .milliseconds(2500))
        #expect(configuration.initialStart?.rawValue == "join")
        #expect(configuration.token == "0123456789abcdef-token")
    }

    @Test("bad options are refused with a message that says what to do", arguments: [
        (["--peers", "127.0.0.2,127.0.0.4"], "does not include this node"),
        (["--peers", "127.0.0.2:x"], "is not host or host:port"),
        (["--data-dir", "relative/data"], "must be an absolute path"),
        (["--node-name", "bad name"], "--node-name"),
        (["--listen-port", "3306"], "collides"),
        (["--controller-url", "ftp://x"], "must be an http:// or https:// URL"),
        (["--heartbeat-interval", "0"], "--heartbeat-interval"),
        (["--token-file", "/tmp/x"], "either --token or --token-file"),
        (["--flavor", "oracle"], "oracle"),
    ])
    func refuses(overrides: [String], message: String) {
        var arguments = Self.base
        for pair in stride(from: 0, to: overrides.count, by: 2) {
            if let index = arguments.firstIndex(of: overrides[pair]) {
                arguments[index + 1] = overrides[pair + 1]
            } else {
                arguments += [overrides[pair], overrides[pair + 1]]
            }
        }
        do {
            _ = try AgentCommand.parse(arguments)
            Issue.record("accepted \(overrides)")
        } catch {
            let text = AgentCommand.message(for: error)
            #expect(text.contains(message), "\(text)")
        }
    }

    @Test("a short token is refused")
    func shortToken() throws {
        var arguments = Self.base
        arguments[arguments.firstIndex(of: "--token")! + 1] = "short"
        let command = try AgentCommand.parse(arguments)
        #expect(throws: (any Error).self) { try command.makeConfiguration() }
    }

    /// Options as the operator or LocalCluster would render them, each with something unusual.
    static let renderedOptions: [AgentOptions] = {
        var minimal = AgentOptions(nodeName: "demo-0", clusterName: "demo", dataDirectory: "/var/lib/mysql",
                                   address: "127.0.0.5", peers: ["demo-0.demo-peers", "demo-1.demo-peers", "127.0.0.5"])
        minimal.tokenFile = "/etc/qmysql/agent-token"
        var full = minimal
        full.flavor = .percona
        full.runDirectory = "/run/qmysql"
        full.mysqlPort = 3307
        full.galeraPort = 5567
        full.istPort = 5568
        full.sstPort = 5444
        full.peers = ["127.0.0.5", "127.0.0.6:5567"]
        full.listenAddress = "0.0.0.0"
        full.listenPort = 19809
        full.controllerURL = "https://demo-controller:9810/v1/reports/demo-0"
        full.heartbeatInterval = .milliseconds(2500)
        full.pollInterval = .milliseconds(250)
        full.initialStart = .join
        full.serverBinary = "/usr/sbin/mysqld"
        full.providerPath = "/usr/lib64/galera4/libgalera_smm.so"
        full.bufferPoolSize = "1G"
        full.gcacheSize = "512M"
        full.pcRecovery = false
        full.monitorUser = "qmysql_monitor"
        full.monitorPasswordFile = "/etc/qmysql/monitor-password"
        full.stopTimeout = .seconds(100)
        full.helperTimeout = .milliseconds(45_500)
        full.logMaxBytes = 1 << 20
        full.logArchives = 5
        full.logLevel = "debug"
        full.logFormat = .json
        full.configFile = "/etc/qmysql/config/my.cnf"
        full.tlsCertificateFile = "/etc/qmysql/secret/tls.crt"
        full.tlsKeyFile = "/etc/qmysql/secret/tls.key"
        full.caFile = "/etc/qmysql/secret/ca.crt"
        return [minimal, full]
    }()

    @Test("typed options render to arguments that the agent command parses back to the same options",
          arguments: renderedOptions)
    func roundTrip(options: AgentOptions) throws {
        #expect(options.problems.isEmpty, "\(options.problems)")
        let parsed = try AgentCommand.parse(options.arguments).options
        #expect(parsed == options)
        // And the same again: rendering is stable.
        #expect(parsed.arguments == options.arguments)
    }

    @Test("defaults are left out of the rendered arguments")
    func shortArguments() {
        let options = AgentOptions(nodeName: "n0", clusterName: "c", dataDirectory: "/d", address: "127.0.0.2", peers: ["127.0.0.2"])
        #expect(options.arguments == ["--node-name", "n0", "--cluster-name", "c", "--data-dir", "/d", "--address", "127.0.0.2", "--peers", "127.0.0.2"])
    }
}
