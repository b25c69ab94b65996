import NIOCore
import NIOPosix
import Synchronization

/// A layer-4 load balancer for one Service port: listens on a loopback address and hands each
/// new connection to a ready backend, in turn. The seed's "health-aware TCP endpoint": the set
/// of backends follows the pods' readiness (Synced and Primary), so a failed node gets no new
/// connections and gets them again once it recovers. Connections already open stay where they
/// are, as with any layer-4 balancer; a backend that refuses a connection is skipped for the
/// next one.
public final class EndpointProxy: Sendable {
    public struct Backend: Sendable, Hashable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let host: String
    public let port: Int
    private let channel: any Channel
    private let box: StateBox

    private init(host: String, port: Int, channel: any Channel, box: StateBox) {
        self.host = host
        self.port = port
        self.channel = channel
        self.box = box
    }

    public var address: String { "\(host):\(port)" }

    public var backends: [Backend] { box.state.withLock { $0.backends } }

    public func setBackends(_ backends: [Backend]) {
        box.state.withLock { state in
            if state.backends != backends { state.backends = backends }
        }
    }

    /// Binds `host:port` (throws when it is in use) and starts accepting.
    public static func start(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> EndpointProxy {
        let box = StateBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                inbound.eventLoop.makeCompletedFuture {
                    let candidates = box.rotation()
                    Self.connect(inbound, candidates: candidates[...])
                }
            }
            .bind(host: host, port: port).get()
        return EndpointProxy(host: host, port: channel.localAddress?.port ?? port, channel: channel, box: box)
    }

    /// Tries the backends in turn; the client's connection is closed when none answers.
    private static func connect(_ inbound: any Channel, candidates: ArraySlice<Backend>) {
        guard let backend = candidates.first else {
            inbound.close(promise: nil)
            return
        }
        ClientBootstrap(group: inbound.eventLoop)
            .connectTimeout(.seconds(2))
            .channelOption(.autoRead, value: false)
            .connect(host: backend.host, port: backend.port)
            .whenComplete { result in
                switch result {
                case .success(let outbound):
                    let (inboundGlue, outboundGlue) = GlueHandler.matchedPair()
                    do {
                        try inbound.pipeline.syncOperations.addHandler(inboundGlue)
                        try outbound.pipeline.syncOperations.addHandler(outboundGlue)
                        // Reading starts only now that both sides are joined; from here on the
                        // glue pauses a side whose partner cannot take more.
                        inbound.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in inbound.close(promise: nil) }
                        outbound.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in outbound.close(promise: nil) }
                    } catch {
                        inbound.close(promise: nil)
                        outbound.close(promise: nil)
                    }
                case .failure:
                    connect(inbound, candidates: candidates.dropFirst())
                }
            }
    }

    public func close() async {
        try? await channel.close()
    }

    /// The backends in the order the next connection tries them (round robin).
    final class StateBox: Sendable {
        let state = Mutex<(backends: [Backend], next: Int)>(([], 0))

        func rotation() -> [Backend] {
            state.withLock { state in
                guard !state.backends.isEmpty else { return [] }
                let start = state.next % state.backends.count
                state.next = start + 1
                return Array(state.backends[start...] + state.backends[..<start])
            }
        }
    }
}

/// Joins two channels: what one reads the other writes, with back-pressure (a side reads only
/// while its partner can take more), and a close of either closes both.
final class GlueHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    private func partnerWriteEOF() { context?.close(mode: .output, promise: nil) }
    private func partnerCloseFull() { context?.close(promise: nil) }
    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerCloseFull()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.partnerWriteEOF()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.partnerCloseFull()
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
