import Agent
import AgentAPI
import ArgumentParser
import Foundation
import Galera
import Logging
import ServiceLifecycle

/// `kubectl-qmysql agent`: supervises one node's mysqld (PID 1 of the database container, or a
/// local process in the playground).
public struct AgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Supervise one Galera node's mysqld and serve its HTTP API.",
        discussion: """
            The agent is the only thing that touches a node. It writes the node's my.cnf, starts \
            mysqld in join or bootstrap mode when asked (recovering its position first after an \
            unclean exit), stops it, reports its state, and forwards mysqld's error log to stdout. \
            It starts no mysqld on its own unless --start says so.

            API (docs/agent.md): GET /v1/status, POST /v1/start, POST /v1/stop, POST /v1/recover, \
            GET /v1/jobs/<id>, GET /v1/logs/error with 'Authorization: Bearer <token>'; GET /livez, \
            /readyz and /metrics without. Send 'Prefer: respond-async' with a POST to get a job \
            (202 and its id) instead of waiting for the answer.

            SIGTERM stops mysqld gracefully, then the agent exits.

            Example (three nodes on loopback addresses, this is the second):
              kubectl-qmysql agent --node-name demo-1 --cluster-name demo \\
                --data-dir /var/lib/qmysql/demo-1/data --address 127.0.0.3 \\
                --peers 127.0.0.2,127.0.0.3,127.0.0.4 --token-file /etc/qmysql/agent-token
            """)

    /// Every flag of `AgentOptions.flagTable` (generated from it).
    @OptionGroup var flags: AgentFlags

    @Option(help: "The API bearer token. Prefer --token-file or QMYSQL_AGENT_TOKEN: arguments are visible in ps.")
    var token: String?

    public init() {}

    /// The typed options the flags stand for (the token itself, if given inline, is not part of them).
    var options: AgentOptions {
        get throws {
            do { return try AgentOptions.flagTable.options(given: flags.given) } catch { throw ValidationError(error.description) }
        }
    }

    public func validate() throws {
        let options = try options
        if let problem = options.problems.first { throw ValidationError(problem) }
        let tokenSources = [token != nil, options.tokenFile != nil, ProcessInfo.processInfo.environment["QMYSQL_AGENT_TOKEN"] != nil].filter { $0 }.count
        guard tokenSources >= 1 else {
            throw ValidationError("no API token: give --token-file FILE (or --token, or set QMYSQL_AGENT_TOKEN)")
        }
        guard token == nil || options.tokenFile == nil else {
            throw ValidationError("give either --token or --token-file, not both")
        }
    }

    func readToken(_ options: AgentOptions) throws -> String {
        let text: String
        if let token {
            text = token
        } else if let tokenFile = options.tokenFile {
            do {
                text = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read --token-file \(tokenFile): \(error.localizedDescription)")
            }
        } else {
            text = ProcessInfo.processInfo.environment["QMYSQL_AGENT_TOKEN"] ?? ""
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16 else {
            throw ValidationError("the API token is \(trimmed.count) characters; use at least 16 random characters")
        }
        return trimmed
    }

    func makeConfiguration() throws -> AgentConfiguration {
        let options = try options
        var monitorPassword: String?
        if let monitorPasswordFile = options.monitorPasswordFile {
            do {
                monitorPassword = try String(contentsOfFile: monitorPasswordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read --monitor-password-file \(monitorPasswordFile): \(error.localizedDescription)")
            }
        }
        do {
            return try AgentConfiguration(options: options, token: try readToken(options), monitorPassword: monitorPassword)
        } catch let problem as AgentOptions.Problem {
            throw ValidationError(problem.description)
        }
    }

    public func run() async throws {
        let configuration = try makeConfiguration()
        let options = try options
        let logger = RoleLogging.logger(label: "qmysql.agent", level: options.logLevel, format: options.logFormat)
        let agent = AgentService(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

