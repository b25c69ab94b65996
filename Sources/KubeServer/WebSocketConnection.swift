import Crypto
import Foundation
import NIOCore
import Synchronization

/// The WebSocket frames (RFC 6455) an upgraded connection carries: enough for kubectl's exec
/// streams (binary messages, ping, close; a client's frames are masked, a server's are not). Pure.
enum WebSocketFrame: Equatable {
    case binary(Data)
    case text(Data)
    case ping(Data)
    case pong(Data)
    case close

    /// The accept key for a client's `Sec-WebSocket-Key`.
    static func acceptKey(_ key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }

    /// Reads one whole frame from the front of `buffer` (consumed), nil while incomplete.
    /// Fragments come back as their opcode's frame with `fin` false; `WebSocketReader` joins them.
    static func read(_ buffer: inout ByteBuffer) throws -> (opcode: UInt8, fin: Bool, payload: Data)? {
        guard buffer.readableBytes >= 2, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
        var offset = 2
        var length = Int(second & 0x7f)
        if length == 126 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            offset += 2
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self) else { return nil }
            guard extended < 1 << 26 else { throw FrameTooLarge() }
            length = Int(extended)
            offset += 8
        }
        let masked = second & 0x80 != 0
        var mask: [UInt8] = []
        if masked {
            guard let key = buffer.getBytes(at: buffer.readerIndex + offset, length: 4) else { return nil }
            mask = key
            offset += 4
        }
        guard buffer.readableBytes >= offset + length,
              var payload = buffer.getBytes(at: buffer.readerIndex + offset, length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: offset + length)
        if masked {
            for index in payload.indices { payload[index] ^= mask[index % 4] }
        }
        return (first & 0x0f, first & 0x80 != 0, Data(payload))
    }

    struct FrameTooLarge: Error {}

    /// A server's frame: unmasked, final.
    var encoded: ByteBuffer {
        let (opcode, payload): (UInt8, Data) = switch self {
        case .text(let data): (0x1, data)
        case .binary(let data): (0x2, data)
        case .close: (0x8, Data([0x03, 0xe8]))  // 1000: normal closure
        case .ping(let data): (0x9, data)
        case .pong(let data): (0xa, data)
        }
        var buffer = ByteBuffer()
        buffer.writeInteger(0x80 | opcode)
        if payload.count < 126 {
            buffer.writeInteger(UInt8(payload.count))
        } else if payload.count <= 0xffff {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}

/// Sits between TLS and the HTTP codec of every connection. It passes bytes through untouched
/// until the connection is upgraded (`upgrade()`, before the 101 is written): from then on what
/// arrives is WebSocket frames, read here and handed to the stream `upgrade()` returned, never
/// to the HTTP decoder; frames go out with `send`, straight to TLS. (The HTTP side is an
/// NIOAsyncChannel of HTTP parts, which cannot change its type when a connection upgrades.)
final class WebSocketSwitch: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // Touched on the channel's event loop only.
    private var context: ChannelHandlerContext?
    private var messages: AsyncStream<WebSocketFrame>.Continuation?
    private var pending = ByteBuffer()
    private var fragments: (opcode: UInt8, payload: Data)?
    /// Bytes handed to the stream that its reader has not finished with (`consumed`); above
    /// `backlogLimit` no more is read from the socket, so a client that sends faster than the
    /// command reads (a dump piped to mysql) waits in TCP instead of in memory.
    private var backlog = 0
    private var readingPaused = false
    static let backlogLimit = 1 << 20

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        messages?.finish()
    }

    /// Switches inbound bytes to WebSocket frames; the messages arrive in the stream (pings are
    /// answered here, a close ends it). Runs on the event loop.
    func upgrade(on eventLoop: any EventLoop) async throws -> AsyncStream<WebSocketFrame> {
        try await eventLoop.submit { self.upgradeOnEventLoop() }.get()
    }

    /// The switch itself; on the channel's event loop.
    func upgradeOnEventLoop() -> AsyncStream<WebSocketFrame> {
        let (stream, continuation) = AsyncStream<WebSocketFrame>.makeStream()
        messages = continuation
        // The HTTP side (its pipelining handler) holds reads back until a response ends, and a
        // 101 never does: from here this handler asks for the bytes itself.
        context?.read()
        return stream
    }

    /// Writes a frame (from any task).
    func send(_ frame: WebSocketFrame, on eventLoop: any EventLoop) async {
        try? await eventLoop.submit { () -> EventLoopFuture<Void> in
            guard let context = self.context else { return eventLoop.makeSucceededVoidFuture() }
            return context.writeAndFlush(NIOAny(frame.encoded))
        }.get().get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let messages else {
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        do {
            while let frame = try WebSocketFrame.read(&pending) {
                switch frame.opcode {
                case 0x0, 0x1, 0x2:
                    // Data, possibly in fragments: a continuation (opcode 0) needs a message to
                    // continue, and a new message may not start inside one (RFC 6455, 5.4).
                    guard (frame.opcode == 0) == (fragments != nil) else { throw ProtocolViolation() }
                    let opcode = frame.opcode == 0 ? fragments?.opcode ?? 0x2 : frame.opcode
                    let payload = (fragments?.payload ?? Data()) + frame.payload
                    guard payload.count <= Self.maximumMessage else { throw ProtocolViolation() }
                    if frame.fin {
                        fragments = nil
                        backlog += payload.count
                        messages.yield(opcode == 0x1 ? .text(payload) : .binary(payload))
                    } else {
                        fragments = (opcode, payload)
                    }
                case 0x9:
                    context.writeAndFlush(NIOAny(WebSocketFrame.pong(frame.payload).encoded), promise: nil)
                case 0x8:
                    messages.finish()
                    context.writeAndFlush(NIOAny(WebSocketFrame.close.encoded)).whenComplete { _ in context.close(promise: nil) }
                    return
                default:
                    break
                }
            }
        } catch {
            messages.finish()
            context.close(promise: nil)
        }
    }

    /// A message larger than this ends the connection (kubectl sends stdin in 32 KiB chunks).
    static let maximumMessage = 16 << 20

    struct ProtocolViolation: Error {}

    func channelReadComplete(context: ChannelHandlerContext) {
        guard messages != nil else {
            context.fireChannelReadComplete()
            return
        }
        if backlog < Self.backlogLimit { context.read() } else { readingPaused = true }
    }

    /// The stream's reader is done with `bytes` of a message: reading resumes below the limit.
    func consumed(_ bytes: Int, on eventLoop: any EventLoop) {
        eventLoop.execute {
            self.backlog -= bytes
            if self.readingPaused, self.backlog < Self.backlogLimit {
                self.readingPaused = false
                self.context?.read()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        messages?.finish()
        context.fireChannelInactive()
    }
}
