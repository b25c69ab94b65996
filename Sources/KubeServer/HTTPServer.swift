import Foundation
import KubeAPI
import KubeSchema
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// HTTPS/1.1 on NIO: TLS that asks for (but does not require) a client certificate, one
/// sequential request loop per connection, JSON answers with Content-Length, and watches as
/// chunked JSON lines until the watch ends, the client goes away, or a test cuts the connection.
final class HTTPServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let port: Int
    private let serverChannel: any Channel
    private let connections: Mutex<[ObjectIdentifier: any Channel]>
    private let acceptTask: Mutex<Task<Void, Never>?>

    private init(port: Int, serverChannel: any Channel) {
        self.port = port
        self.serverChannel = serverChannel
        connections = Mutex([:])
        acceptTask = Mutex(nil)
    }

    static func start(host: String, port: Int, tls: TLSConfiguration, maxBodySize: Int, handler: APIHandler,
                      logger: Logger) async throws -> HTTPServer {
        let sslContext = try NIOSSLContext(configuration: tls)
        let channel: NIOAsyncChannel<Connection, Never>
        do {
            channel = try await ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Accept any presented certificate here; the authenticator verifies it against
                    // the CA, so a bad certificate is a 401 (as in kube), not a failed handshake.
                    let tlsHandler = NIOSSLServerHandler(context: sslContext) { _, promise in
                        promise.succeed(.certificateVerified)
                    }
                    try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    // Between TLS and HTTP: where an exec's connection turns into WebSocket frames.
                    try channel.pipeline.syncOperations.addHandler(WebSocketSwitch())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        } catch {
            throw KubeServerError.bindFailed("\(host):\(port) (\(error))")
        }
        guard let boundPort = channel.channel.localAddress?.port else {
            try? await channel.channel.close()
            throw KubeServerError.bindFailed("\(host):\(port)")
        }
        let server = HTTPServer(port: boundPort, serverChannel: channel.channel)
        let task = Task {
            do {
                try await channel.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            server.track(connection.channel)
                            group.addTask {
                                await server.serve(connection, handler: handler, maxBodySize: maxBodySize, logger: logger)
                                server.untrack(connection.channel)
                            }
                        }
                    }
                }
            } catch {
                logger.debug("accept loop ended", metadata: ["error": "\(error)"])
            }
        }
        server.acceptTask.withLock { $0 = task }
        return server
    }

    func shutdown() async {
        try? await serverChannel.close()
        let open = connections.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
        let task = acceptTask.withLock { $0 }
        await task?.value
    }

    private func track(_ channel: any Channel) {
        connections.withLock { $0[ObjectIdentifier(channel)] = channel }
    }

    private func untrack(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    private struct DropConnection: Error {}

    private func serve(_ connection: Connection, handler: APIHandler, maxBodySize: Int, logger: Logger) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                var peerCertificate: Certificate?? = nil
                while let part = try await iterator.next() {
                    guard case .head(let head) = part else { continue }
                    var body = ByteBuffer()
                    var tooLarge = false
                    reading: while let next = try await iterator.next() {
                        switch next {
                        case .body(var chunk):
                            if body.readableBytes + chunk.readableBytes > maxBodySize {
                                tooLarge = true
                            } else {
                                body.writeBuffer(&chunk)
                            }
                        case .end:
                            break reading
                        case .head:
                            break
                        }
                    }
                    if peerCertificate == nil {
                        // The handshake is over once a request has arrived.
                        let presented = try? await connection.channel.nioSSL_peerCertificate().get()
                        peerCertificate = .some(presented.flatMap { try? Certificate(derEncoded: $0.toDERBytes()) })
                    }
                    let response: APIResponse
                    if tooLarge {
                        response = .status(.requestEntityTooLarge(limit: maxBodySize))
                    } else {
                        let request = HTTPRequestData(
                            method: head.method.rawValue, uri: head.uri,
                            headers: head.headers.map { (name: $0.name, value: $0.value) },
                            body: Data(body.readableBytesView), peerCertificate: peerCertificate ?? nil)
                        if let upgrade = Self.execUpgrade(head) {
                            switch await handler.startExec(request) {
                            case .success(let (exec, process)):
                                try await runExec(exec, process, key: upgrade.key, protocol: upgrade.protocol, head: head,
                                                  outbound: outbound, channel: connection.channel)
                                return
                            case .failure(let refusal):
                                try await write(refusal.response, for: head, to: outbound, channel: connection.channel)
                                continue
                            }
                        }
                        response = await handler.respond(to: request)
                    }
                    logger.debug("request", metadata: ["method": "\(head.method.rawValue)", "uri": "\(head.uri)",
                                                       "code": "\(response.code)"])
                    try await write(response, for: head, to: outbound, channel: connection.channel)
                    if !head.isKeepAlive { return }
                }
            }
        } catch is DropConnection {
            logger.trace("watch connection dropped on request")
        } catch {
            logger.trace("connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// A request to upgrade to an exec stream: a WebSocket upgrade to a `pods/NAME/exec` path,
    /// with a key and a remote-command protocol we speak (`ExecStream`).
    static func execUpgrade(_ head: HTTPRequestHead) -> (key: String, protocol: String)? {
        guard head.headers["Upgrade"].contains(where: { $0.lowercased() == "websocket" }),
              head.uri.split(separator: "?").first?.hasSuffix("/exec") == true,
              let key = head.headers["Sec-WebSocket-Key"].first,
              let chosen = ExecStream.negotiate(head.headers["Sec-WebSocket-Protocol"].joined(separator: ",")) else { return nil }
        return (key, chosen)
    }

    /// Answers 101, turns the connection into WebSocket frames, and runs the exec stream on it
    /// until the command ends or the client goes away; the connection then closes.
    private func runExec(_ exec: ExecRequest, _ process: ExecProcess, key: String, protocol chosen: String, head: HTTPRequestHead,
                         outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws {
        let switcher: WebSocketSwitch, messages: AsyncStream<WebSocketFrame>
        do {
            switcher = try await channel.pipeline.handler(type: WebSocketSwitch.self).get()
            // Frames may follow the 101 at once: switch before it is written.
            messages = try await switcher.upgrade(on: channel.eventLoop)
        } catch {
            process.kill()
            throw error
        }
        var headers = HTTPHeaders()
        headers.add(name: "Upgrade", value: "websocket")
        headers.add(name: "Connection", value: "Upgrade")
        headers.add(name: "Sec-WebSocket-Accept", value: WebSocketFrame.acceptKey(key))
        headers.add(name: "Sec-WebSocket-Protocol", value: chosen)
        do {
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .switchingProtocols, headers: headers)))
        } catch {
            process.kill()
            throw error
        }
        let eventLoop = channel.eventLoop
        await ExecStream.run(process, command: exec.command, messages: messages,
                             consumed: { switcher.consumed($0, on: eventLoop) }) { frame in
            await switcher.send(frame, on: eventLoop)
        }
        try? await channel.close()
    }

    private func write(_ response: APIResponse, for request: HTTPRequestHead,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Audit-Id", value: UUID().uuidString.lowercased())
        headers.add(name: "Cache-Control", value: "no-cache, private")
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        var response = response
        if case .warned(let inner, let warnings) = response {
            for warning in warnings {
                headers.add(name: "Warning", value: "299 - \(GoFormat.quote(warning))")
            }
            response = inner
        }
        switch response {
        case .json(let code, let value):
            let data = (try? value.jsonData()) ?? Data("{}".utf8)
            headers.add(name: "Content-Type", value: "application/json")
            try await writeWhole(code: code, headers: headers, body: data, request: request, to: outbound)
        case .text(let code, let text):
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            try await writeWhole(code: code, headers: headers, body: Data(text.utf8), request: request, to: outbound)
        case .watch(let stream), .textStream(let stream):
            if case .textStream = response {
                headers.add(name: "Content-Type", value: "text/plain")
            } else {
                headers.add(name: "Content-Type", value: "application/json")
            }
            headers.add(name: "Transfer-Encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers)))
            let dropped = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await frame in stream {
                        switch frame {
                        case .line(let data):
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
                        case .drop:
                            return true
                        }
                    }
                    return false
                }
                group.addTask {
                    // The client went away: stop the watch so it does not linger until its timeout.
                    await Self.waitUntilClosed(channel)
                    return false
                }
                let result = try await group.next() ?? false
                group.cancelAll()
                return result
            }
            if dropped { throw DropConnection() }
            try await outbound.write(.end(nil))
        case .warned:
            break  // unwrapped above
        }
    }

    /// Returns when the channel closes, or at once when the task is cancelled.
    private static func waitUntilClosed(_ channel: any Channel) async {
        let (closed, continuation) = AsyncStream<Void>.makeStream()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        for await _ in closed {}
    }

    private func writeWhole(code: Int, headers: HTTPHeaders, body: Data, request: HTTPRequestHead,
                            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.count))
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: code), headers: headers)
        try await outbound.write(.head(head))
        if request.method != .HEAD {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        }
        try await outbound.write(.end(nil))
    }
}

/// Why the server could not start.
public enum KubeServerError: Error, CustomStringConvertible, Sendable {
    case bindFailed(String)
    case notLoopback(String)
    /// The store file (`KubeServerConfiguration.storagePath`) cannot be read, is not a valid store
    /// file, or (when new) cannot be written.
    case storeFileUnusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .bindFailed(let address):
            "local API server: could not bind \(address); pick another port or use port 0 for any free one"
        case .notLoopback(let host):
            "local API server: refusing to listen on \(host): only 127.0.0.0/8 and localhost are allowed; use 127.0.0.1"
        case .storeFileUnusable(let path, let reason):
            "local API server: cannot use the store file \(path): \(reason)"
        }
    }
}
