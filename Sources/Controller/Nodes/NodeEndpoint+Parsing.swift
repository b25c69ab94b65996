import Galera

extension NodeEndpoint {
    /// Parses the CLI's `NAME=AGENT_URL,SQL_HOST:SQL_PORT`, e.g.
    /// `demo-0=http://127.0.0.2:9809,127.0.0.2:3306`. The port defaults to 3306.
    public init(parsing text: String, ordinal: Int) throws(NodeEndpointParseError) {
        func fail(_ problem: String) -> NodeEndpointParseError { NodeEndpointParseError(text: text, problem: problem) }
        guard let equals = text.firstIndex(of: "=") else { throw fail("no '=' after the node's name") }
        let name = String(text[..<equals])
        guard !name.isEmpty else { throw fail("the node's name is empty") }
        let rest = text[text.index(after: equals)...]
        guard let comma = rest.lastIndex(of: ",") else { throw fail("no ',' between the agent URL and the SQL address") }
        let url = String(rest[..<comma])
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw fail("the agent URL '\(url)' must start with http:// or https://")
        }
        let sql = rest[rest.index(after: comma)...]
        var host = String(sql)
        var port = DefaultPorts.mysql
        if let colon = sql.lastIndex(of: ":") {
            host = String(sql[..<colon])
            guard let parsed = Int(sql[sql.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw fail("the SQL port in '\(sql)' is not a number between 1 and 65535")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw fail("the SQL host is empty") }
        self.init(name: name, ordinal: ordinal, agentURL: url.hasSuffix("/") ? String(url.dropLast()) : url, sqlHost: host, sqlPort: port)
    }
}

public struct NodeEndpointParseError: Error, CustomStringConvertible {
    public var text: String
    public var problem: String
    public var description: String {
        "--node '\(text)': \(problem); expected NAME=AGENT_URL,SQL_HOST:SQL_PORT, e.g. demo-0=http://127.0.0.2:9809,127.0.0.2:3306"
    }
}
