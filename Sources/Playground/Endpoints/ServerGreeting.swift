import Foundation

/// Whether a MySQL endpoint really serves: a TCP connection that receives the server's greeting
/// (the handshake's first packet, protocol version 10) in time. `playground up` prints how to
/// connect only once this holds, so the line it prints works at once: a cluster can read Green
/// in the API a moment before the endpoint has a ready backend (after the host restarted, its
/// proxies start empty until the pods' readiness is known).
public enum ServerGreeting {
    /// One attempt; runs on a thread of its own (blocking socket calls stay off the cooperative pool).
    public static func arrives(host: String, port: Int, within timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: attempt(host: host, port: port, timeout: timeout)) }.start()
        }
    }

    static func attempt(host: String, port: Int, timeout: Duration) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        // A packet: 3 bytes length, 1 byte sequence (0), then the payload: protocol version 10.
        let wanted = 5
        var header = [UInt8](repeating: 0, count: wanted)
        var received = 0
        while received < wanted {
            let offset = received
            let count = header.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress! + offset, wanted - offset, 0) }
            guard count > 0 else { return false }
            received += count
        }
        return header[3] == 0 && header[4] == 10
    }
}
