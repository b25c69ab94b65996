import COpenSSL
import Foundation
import Galera
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection, or a listener for one, with deadlines: the transfer runs in a
/// process of its own, one stream at a time, so plain descriptors and `poll` are all it needs.
/// `@unchecked Sendable`: one side of a transfer uses it from one thread at a time (a test hands
/// a connection from the thread that made it to the one that keeps it).
public final class TransferSocket: @unchecked Sendable {
    public let descriptor: Int32
    /// The TLS session once `secure(_:)` succeeded: reads and writes go through it.
    private var session: OpaquePointer?
    /// Keeps the session's context alive as long as the session.
    private var tlsContext: TransferTLSContext?

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ what: String, errno code: Int32 = errno) {
            description = code == 0 ? what : "\(what): \(String(cString: strerror(code)))"
        }
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit {
        if let session {
            SSL_shutdown(session)
            SSL_free(session)
        }
        close(descriptor)
    }

    /// Runs the TLS handshake on this connection as `side`, both ends presenting certificates of
    /// the cluster's CA. A peer without one, or speaking plain TCP, fails it.
    func secure(_ files: TLSFiles, as side: TransferTLSContext.Side, idle: Duration) throws(Failure) {
        let context = try TransferTLSContext(files: files, side: side)
        setReceiveTimeout(idle)
        guard let session = SSL_new(context.context) else { throw Failure("TLS: \(TransferTLSContext.lastError())", errno: 0) }
        SSL_set_fd(session, descriptor)
        let result = side == .joiner ? SSL_accept(session) : SSL_connect(session)
        guard result == 1 else {
            let detail = TransferTLSContext.lastError()
            SSL_free(session)
            throw Failure("the TLS handshake with the \(side == .joiner ? "donor" : "joiner") failed (\(detail)): does it hold this cluster's certificate and use TLS too?", errno: 0)
        }
        self.session = session
        tlsContext = context
    }

    /// Blocking reads give up after `idle` (also inside a TLS record, where `poll` cannot tell).
    private func setReceiveTimeout(_ idle: Duration) {
        var value = timeval(tv_sec: Int(idle.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Listens on `host:port` (its address, never every interface).
    public static func listen(host: String, port: Int) throws(Failure) -> TransferSocket {
        let address = try resolve(host: host, port: port, passive: true)
        defer { freeaddrinfo(address) }
        let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        let listener = TransferSocket(descriptor: fd)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { throw Failure("cannot listen on \(host):\(port)") }
        guard Glibc.listen(fd, 1) == 0 else { throw Failure("cannot listen on \(host):\(port)") }
        return listener
    }

    /// The next connection, or nil when `deadline` passes or `keepWaiting` says to stop first
    /// (asked about twice a second).
    public func accept(until deadline: ContinuousClock.Instant, keepWaiting: () -> Bool) throws(Failure) -> TransferSocket? {
        while ContinuousClock.now < deadline, keepWaiting() {
            guard try wait(for: Int16(POLLIN), milliseconds: 500) else { continue }
            // Children (the unpacker) are spawned closing every inherited descriptor: no CLOEXEC needed.
            let fd = Glibc.accept(descriptor, nil, nil)
            if fd >= 0 { return TransferSocket(descriptor: fd) }
            if errno != EINTR, errno != EAGAIN { throw Failure("accept") }
        }
        return nil
    }

    /// Connects to `host:port`, trying again until `deadline` while it is refused (the joiner
    /// says it listens before the donor is told, so this is seldom more than once).
    public static func connect(host: String, port: Int, until deadline: ContinuousClock.Instant) throws(Failure) -> TransferSocket {
        var last = Failure("no attempt")
        repeat {
            let address = try resolve(host: host, port: port, passive: false)
            defer { freeaddrinfo(address) }
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw Failure("socket") }
            let connection = TransferSocket(descriptor: fd)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return connection }
            last = Failure("cannot connect to the joiner at \(host):\(port)")
            usleep(200_000)
        } while ContinuousClock.now < deadline
        throw last
    }

    /// Reads up to `count` bytes; empty at the end of the stream. Fails when nothing arrives for
    /// `idle` (a peer that stopped sending without closing).
    public func read(upTo count: Int, idle: Duration) throws(Failure) -> [UInt8] {
        let milliseconds = Int32(clamping: idle.components.seconds * 1000 + idle.components.attoseconds / 1_000_000_000_000_000)
        let buffered = session.map { SSL_pending($0) > 0 } ?? false
        let readable = try buffered ? true : wait(for: Int16(POLLIN), milliseconds: milliseconds)
        guard readable else {
            throw Failure("nothing arrived for \(idle.readable): the peer stopped sending", errno: 0)
        }
        var buffer = [UInt8](repeating: 0, count: count)
        if let session {
            let received = buffer.withUnsafeMutableBytes { SSL_read(session, $0.baseAddress, Int32(count)) }
            if received <= 0 {
                let reason = SSL_get_error(session, received)
                // A peer that closes after TLS's close_notify, or closes the socket at the end.
                if reason == SSL_ERROR_ZERO_RETURN { return [] }
                if reason == SSL_ERROR_WANT_READ { throw Failure("nothing arrived for \(idle.readable): the peer stopped sending", errno: 0) }
                if reason == SSL_ERROR_SYSCALL, errno == 0 { return [] }
                throw Failure("TLS read: \(TransferTLSContext.lastError())")
            }
            buffer.removeSubrange(Int(received)...)
            return buffer
        }
        let received = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
        guard received >= 0 else { throw Failure("read") }
        buffer.removeSubrange(received...)
        return buffer
    }

    /// Reads one line (without its newline), at most `limit` bytes.
    public func readLine(limit: Int, idle: Duration) throws(Failure) -> String {
        var line: [UInt8] = []
        while line.count <= limit {
            let byte = try read(upTo: 1, idle: idle)
            guard let first = byte.first else { throw Failure("the stream ended before its first line did", errno: 0) }
            if first == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(first)
        }
        throw Failure("the first line is longer than \(limit) bytes", errno: 0)
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: some ContiguousBytes) throws(Failure) {
        let session = session
        let failure: Failure? = bytes.withUnsafeBytes { raw in
            var offset = 0
            if let session {
                while offset < raw.count {
                    let written = SSL_write(session, raw.baseAddress! + offset, Int32(min(raw.count - offset, Int(Int32.max))))
                    if written <= 0 { return Failure("sending over TLS: \(TransferTLSContext.lastError())") }
                    offset += Int(written)
                }
                return nil
            }
            while offset < raw.count {
                let written = send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    return Failure("sending to the joiner")
                }
                offset += written
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Tells the peer nothing more comes (it reads the end of the stream).
    public func finishWriting() {
        if let session { SSL_shutdown(session) }
        shutdown(descriptor, Int32(SHUT_WR))
    }

    private func wait(for events: Int16, milliseconds: Int32) throws(Failure) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { return false }
            throw Failure("poll")
        }
        return ready > 0
    }

    private static func resolve(host: String, port: Int, passive: Bool) throws(Failure) -> UnsafeMutablePointer<addrinfo> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if passive { hints.ai_flags = AI_PASSIVE }
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let result else {
            throw Failure("cannot resolve '\(host)': \(String(cString: gai_strerror(status)))", errno: 0)
        }
        return result
    }
}
