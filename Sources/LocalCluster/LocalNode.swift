import AgentAPI
import Foundation
import MySQLClient

/// One node of a LocalCluster: where its files are and how to reach its agent and mysqld.
public struct LocalNode: Sendable {
    public let index: Int
    public let name: String
    public let address: String
    public let directory: String
    public let dataDirectory: String
    public let runDirectory: String
    /// The agent's own stdout (its log and mysqld's, prefixed).
    public let agentLog: String
    public let client: AgentClient

    init(index: Int, configuration: LocalClusterConfiguration) {
        self.index = index
        name = configuration.nodeName(index)
        address = configuration.address(of: index)
        directory = "\(configuration.root)/node\(index)"
        dataDirectory = directory + "/data"
        runDirectory = directory + "/run"
        agentLog = directory + "/agent.log"
        client = if let tls = configuration.tls {
            AgentClient(baseURL: "https://\(address):\(configuration.agentPort)", token: configuration.token, httpClient: tls.httpClient)
        } else {
            AgentClient(baseURL: "http://\(address):\(configuration.agentPort)", token: configuration.token)
        }
    }

    public var socketPath: String { runDirectory + "/mysqld.sock" }
    public var errorLog: String { dataDirectory + "/mysqld.err" }
    public var mysqldPidFile: String { runDirectory + "/mysqld.pid" }
    public var galeraAddress: String { "\(address):4567" }

    /// root over the unix socket (unix_socket authentication: the test runs as root).
    public var sqlOptions: MySQLConnectionOptions {
        MySQLConnectionOptions(endpoint: .unixSocket(path: socketPath), user: "root", connectTimeout: .seconds(3), readTimeout: .seconds(30), writeTimeout: .seconds(30))
    }
}

extension LocalNode {
    /// This node as a BoundedWriter target.
    public var writerTarget: BoundedWriter.Target { BoundedWriter.Target(name: name, options: sqlOptions) }
}
