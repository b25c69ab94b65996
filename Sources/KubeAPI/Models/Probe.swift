/// `core/v1 Probe`: exactly one of `httpGet`, `exec` or `tcpSocket` is set.
public struct Probe: Codable, Sendable, Hashable {
    public var httpGet: HTTPGetAction?
    public var exec: ExecAction?
    public var tcpSocket: TCPSocketAction?
    public var initialDelaySeconds: Int?
    public var periodSeconds: Int?
    public var timeoutSeconds: Int?
    public var successThreshold: Int?
    public var failureThreshold: Int?
    public var terminationGracePeriodSeconds: Int64?

    public init(httpGet: HTTPGetAction? = nil, exec: ExecAction? = nil, tcpSocket: TCPSocketAction? = nil,
                initialDelaySeconds: Int? = nil, periodSeconds: Int? = nil, timeoutSeconds: Int? = nil,
                successThreshold: Int? = nil, failureThreshold: Int? = nil) {
        self.httpGet = httpGet
        self.exec = exec
        self.tcpSocket = tcpSocket
        self.initialDelaySeconds = initialDelaySeconds
        self.periodSeconds = periodSeconds
        self.timeoutSeconds = timeoutSeconds
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
    }
}

public struct HTTPGetAction: Codable, Sendable, Hashable {
    public var path: String?
    public var port: IntOrString
    public var host: String?
    /// `HTTP` (default) or `HTTPS`.
    public var scheme: String?
    public var httpHeaders: [HTTPHeader]?

    public init(path: String? = nil, port: IntOrString, host: String? = nil, scheme: String? = nil, httpHeaders: [HTTPHeader]? = nil) {
        self.path = path
        self.port = port
        self.host = host
        self.scheme = scheme
        self.httpHeaders = httpHeaders
    }
}

public struct HTTPHeader: Codable, Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct ExecAction: Codable, Sendable, Hashable {
    public var command: [String]?

    public init(command: [String]) { self.command = command }
}

public struct TCPSocketAction: Codable, Sendable, Hashable {
    public var port: IntOrString
    public var host: String?

    public init(port: IntOrString, host: String? = nil) {
        self.port = port
        self.host = host
    }
}
