import Foundation
import KubeAPI
import Testing
@testable import KubeClient

/// What a user sees when there is no usable server at the configured address.
@Suite struct UnreachableServerTests {
    @Test func connectionRefusedNamesTheServerAndContext() async throws {
        let port = try BlackHoleListener.unusedPort()
        let client = try KubeClient(configuration: ClientConfiguration(
            server: "https://127.0.0.1:\(port)", credentials: .token("t"), contextName: "playground"))
        defer { Task { try await client.shutdown() } }
        let error = await #expect(throws: KubeError.self) { try await client.get(Namespace.self, name: "default") }
        guard case .unreachable(let failure)? = error else { Issue.record("expected unreachable, got \(String(describing: error))"); return }
        #expect(failure.cause == .connectionRefused)
        #expect(error?.description == "cannot reach the Kubernetes API server at https://127.0.0.1:\(port) (context \"playground\"): connection refused. "
            + "Is the server running, and is the address in the kubeconfig right?")
    }

    @Test func aWatchThatCannotStartEndsWithTheReason() async throws {
        let port = try BlackHoleListener.unusedPort()
        let client = try KubeClient(configuration: ClientConfiguration(server: "https://127.0.0.1:\(port)", credentials: .token("t")))
        defer { Task { try await client.shutdown() } }
        let error = await #expect(throws: KubeError.self) {
            for try await _ in client.watch(ConfigMap.self, namespace: "rds") {}
        }
        guard case .unreachable(let failure)? = error else { Issue.record("expected unreachable, got \(String(describing: error))"); return }
        #expect(failure.cause == .connectionRefused)
        #expect(failure.request?.verb == "list")
    }

    @Test func requestTimeoutBoundsASilentServer() async throws {
        let listener = try BlackHoleListener()
        defer { listener.close() }
        let client = try KubeClient(configuration: ClientConfiguration(
            server: "https://127.0.0.1:\(listener.port)", credentials: .token("t"), requestTimeout: .milliseconds(700)))
        defer { Task { try await client.shutdown() } }
        let started = ContinuousClock.now
        let error = await #expect(throws: KubeError.self) { try await client.list(Pod.self, namespace: "rds") }
        // The server never answers: without the timeout this would hang. The bound is loose
        // because a loaded 2-core CI machine can be slow to schedule the timer.
        #expect(ContinuousClock.now - started < .seconds(30))
        guard case .unreachable(let failure)? = error else { Issue.record("expected unreachable, got \(String(describing: error))"); return }
        #expect(failure.cause == .requestTimeout(.milliseconds(700)))
        #expect(error?.description.contains("did not answer to list pods in namespace \"rds\" within 0.7 seconds (--request-timeout)") == true,
                "\(String(describing: error))")
    }
}

/// A TCP socket on 127.0.0.1 that accepts connections into its backlog and never answers:
/// the shape of a hung server.
final class BlackHoleListener: Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let fd = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Foundation.close(socket) }

    /// A port nobody listens on: bound once to learn a free number, then released.
    static func unusedPort() throws -> Int {
        let listener = try BlackHoleListener()
        listener.close()
        return listener.port
    }
}
