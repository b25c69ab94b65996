import CZlib
import Foundation

/// Why a gzip stream could not be read or written.
public struct GzipError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Compresses a stream into the gzip format, chunk by chunk, in this process: the backup stream
/// is compressed where it is read (one copy fewer than a `gzip` child behind a pipe). Level 1:
/// a backup must keep up with the disk, and level 1 already halves an InnoDB datadir.
///
/// Not thread-safe: one task feeds it, in order.
public final class GzipCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    public init(level: Int32 = 1) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let result = qmysql_deflate_init_gzip(stream, level)
        guard result == Z_OK else {
            stream.deallocate()
            throw GzipError("cannot start a gzip compressor (zlib error \(result))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The compressed bytes for `input` (possibly none yet: zlib buffers).
    public func compress(_ input: Data) -> Data {
        run(input, flush: Z_NO_FLUSH)
    }

    /// The rest of the stream, with the gzip trailer (CRC-32 and length). Call once.
    public func finish() -> Data {
        guard !finished else { return Data() }
        finished = true
        return run(Data(), flush: Z_FINISH)
    }

    private func run(_ input: Data, flush: Int32) -> Data {
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: max(64 << 10, input.count / 2 + 1024))
        input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(raw.count)
            buffer.withUnsafeMutableBufferPointer { out in
                repeat {
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let result = deflate(stream, flush)
                    let produced = out.count - Int(stream.pointee.avail_out)
                    if produced > 0 { output.append(out.baseAddress!, count: produced) }
                    // With Z_FINISH: until Z_STREAM_END; otherwise until zlib took all input and
                    // had room left over (then it holds nothing more to give).
                    if flush == Z_FINISH ? result == Z_STREAM_END : stream.pointee.avail_out != 0 { break }
                    if result != Z_OK && result != Z_BUF_ERROR { break }
                } while true
            }
            stream.pointee.next_in = nil
        }
        return output
    }
}

/// Reads a gzip stream chunk by chunk. A stream that ends early (a truncated backup) or whose
/// CRC does not match (a flipped byte) is an error, never a silently short result.
public final class GzipDecompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private var ended = false

    public init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let result = qmysql_inflate_init_gzip(stream)
        guard result == Z_OK else {
            stream.deallocate()
            throw GzipError("cannot start a gzip decompressor (zlib error \(result))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// The decompressed bytes of `input`.
    public func decompress(_ input: Data) throws(GzipError) -> Data {
        if input.isEmpty { return Data() }
        guard !ended else { throw GzipError("data after the end of the gzip stream") }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: max(256 << 10, input.count * 4))
        var failure: GzipError?
        input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(raw.count)
            buffer.withUnsafeMutableBufferPointer { out in
                while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0 {
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let result = inflate(stream, Z_NO_FLUSH)
                    let produced = out.count - Int(stream.pointee.avail_out)
                    if produced > 0 { output.append(out.baseAddress!, count: produced) }
                    if result == Z_STREAM_END {
                        ended = true
                        if stream.pointee.avail_in > 0 { failure = GzipError("data after the end of the gzip stream") }
                        break
                    }
                    guard result == Z_OK || result == Z_BUF_ERROR else {
                        let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                        failure = GzipError("the gzip stream is damaged: \(message)")
                        break
                    }
                    if result == Z_BUF_ERROR && stream.pointee.avail_in == 0 { break }
                }
            }
            stream.pointee.next_in = nil
        }
        if let failure { throw failure }
        return output
    }

    /// Checks the stream ended with its trailer: a truncated stream throws here.
    public func finish() throws(GzipError) {
        guard ended else { throw GzipError("the gzip stream ends early (truncated)") }
    }
}
