import Foundation
import KubeServer

/// What the host writes to `status.json` whenever something changes, for `playground status`
/// (which also checks that each process it names still runs).
public struct PlaygroundStatus: Sendable, Codable, Equatable {
    public struct Host: Sendable, Codable, Equatable {
        public var pid: Int32 = 0
        public var apiServer: String = ""
        public var kubeconfig: String = ""
        public var operatorPID: Int32?
        public var operatorRestarts: Int = 0
        public var operatorLastExit: String?
        public var operatorMetrics: String?
        /// How pods run: as their securityContext's users, or as the invoking user.
        public var podUsers: String?
        /// How balanced Services reach their pods: in the kernel's NAT table or the playground's proxy.
        public var endpointBalancing: String?
        public init() {}
    }

    public var host: Host
    public var pods: [LocalRuntime.PodView]
    public var endpoints: [LocalRuntime.EndpointView]

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) -> PlaygroundStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(PlaygroundStatus.self, from: data)
    }
}

/// What the runtime and `playground status` see of a container.
public struct PlaygroundContainerView: Sendable, Codable, Equatable {
    public var name: String
    public var pid: Int32?
    public var running: Bool
    public var ready: Bool
    public var restarts: Int
    public var lastExit: String?
    public var waiting: String?
    /// Who it runs as: uid, gid and groups (or the invoking user, when the playground is not root).
    public var user: String?
}

/// What the playground keeps to come back the same after `down` and `up`: the API server's
/// port, CA and token (so the kubeconfig stays valid), and the operator's metrics port.
public struct PlaygroundSettings: Sendable, Codable, Equatable {
    public var apiPort: Int
    public var operatorPort: Int
    public var caCertificatePEM: String
    public var caKeyPEM: String
    public var adminToken: String

    public static func load(_ layout: PlaygroundLayout) throws -> PlaygroundSettings? {
        guard let data = FileManager.default.contents(atPath: layout.settings) else { return nil }
        do {
            return try JSONDecoder().decode(PlaygroundSettings.self, from: data)
        } catch {
            throw PlaygroundError("\(layout.settings) is not readable (\(error)); move it away or run `kubectl qmysql playground down --purge`")
        }
    }

    public func save(_ layout: PlaygroundLayout) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: layout.settings)
        try encoder.encode(self).write(to: url, options: .atomic)
        // It holds the CA's key and the administrator's token.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: layout.settings)
    }

    /// New settings: a fresh CA and token, and free ports.
    public static func generate(apiPort: Int?, operatorPort: Int?) throws -> PlaygroundSettings {
        let authority = try CertificateAuthority.generate(commonName: "qmysql-playground-ca")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return PlaygroundSettings(
            apiPort: try apiPort ?? PortCheck.freePort(host: "127.0.0.1"),
            operatorPort: try operatorPort ?? PortCheck.freePort(host: "127.0.0.1"),
            caCertificatePEM: authority.certificatePEM, caKeyPEM: authority.keyPEM,
            adminToken: String((0..<40).map { _ in alphabet.randomElement()! }))
    }
}

public struct PlaygroundError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Whether an address can be listened on, asked the only reliable way: by binding it.
public enum PortCheck {
    /// nil when `host:port` can be bound; otherwise the reason.
    public static func problem(host: String, port: Int) -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return "cannot create a socket: \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return "\(host) is not an IPv4 address" }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { return "\(host):\(port) is in use (\(String(cString: strerror(errno))))" }
        return nil
    }

    /// A port the kernel considers free on `host` now.
    public static func freePort(host: String) throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PlaygroundError("cannot create a socket") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, host, &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw PlaygroundError("cannot find a free port on \(host)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
