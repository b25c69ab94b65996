import CZstd
import Foundation

/// Why a zstd stream could not be read or written.
public struct ZstdError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
    init(code: Int, _ what: String) { self.init("\(what): \(String(cString: ZSTD_getErrorName(code)))") }
}

/// Compresses a stream into one zstd frame, chunk by chunk, in this process: the backup stream is
/// compressed where it is read. Level -1 (`zstd --fast=1`) with one worker thread: zstd
/// compresses while the next chunk is read and keeps up with the backup tool. (gzip -1 is about
/// fifteen times slower here and made the backup CPU-bound; zstd -1 twice as slow as --fast=1 for
/// the same size on table data; docs/benchmarks.md.) The frame carries a checksum, so a flipped
/// byte is caught when it is read.
///
/// Not thread-safe: one task feeds it, in order.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private var finished = false

    public init(level: Int32 = -1, workers: Int32 = 1) throws(ZstdError) {
        guard let context = ZSTD_createCCtx() else { throw ZstdError("cannot create a zstd compressor (out of memory)") }
        self.context = context
        for (parameter, value) in [(ZSTD_c_compressionLevel, level), (ZSTD_c_checksumFlag, 1), (ZSTD_c_nbWorkers, workers)] {
            let result = ZSTD_CCtx_setParameter(context, parameter, value)
            // A library built without threads refuses workers: then it compresses inline.
            if ZSTD_isError(result) != 0, parameter != ZSTD_c_nbWorkers {
                ZSTD_freeCCtx(context)
                throw ZstdError(code: result, "cannot configure the zstd compressor")
            }
        }
    }

    deinit { ZSTD_freeCCtx(context) }

    /// The compressed bytes for `input` (possibly none yet: zstd buffers).
    public func compress(_ input: Data) throws(ZstdError) -> Data {
        try run(input, end: false)
    }

    /// The rest of the frame, with its checksum. Call once.
    public func finish() throws(ZstdError) -> Data {
        guard !finished else { return Data() }
        finished = true
        return try run(Data(), end: true)
    }

    private func run(_ input: Data, end: Bool) throws(ZstdError) -> Data {
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        var failure: Int?
        input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var source = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            buffer.withUnsafeMutableBytes { out in
                while true {
                    var sink = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let remaining = ZSTD_compressStream2(context, &sink, &source, end ? ZSTD_e_end : ZSTD_e_continue)
                    if ZSTD_isError(remaining) != 0 {
                        failure = remaining
                        return
                    }
                    if sink.pos > 0 { output.append(out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: sink.pos) }
                    // Continue: until the input is taken. End: until the frame is flushed whole.
                    if end ? remaining == 0 : source.pos == source.size { return }
                }
            }
        }
        if let failure { throw ZstdError(code: failure, "zstd compression failed") }
        return output
    }
}

/// Reads a zstd stream chunk by chunk. A stream that ends inside a frame (a truncated backup) or
/// whose checksum does not match (a flipped byte) is an error, never a silently short result.
public final class ZstdDecompressor {
    private let context: OpaquePointer
    /// zstd's hint after the last call: 0 when a frame ended exactly there.
    private var pending = 1
    private var sawInput = false

    public init() throws(ZstdError) {
        guard let context = ZSTD_createDCtx() else { throw ZstdError("cannot create a zstd decompressor (out of memory)") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    public func decompress(_ input: Data) throws(ZstdError) -> Data {
        if input.isEmpty { return Data() }
        sawInput = true
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        var failure: Int?
        input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var source = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            buffer.withUnsafeMutableBytes { out in
                while true {
                    var sink = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let hint = ZSTD_decompressStream(context, &sink, &source)
                    if ZSTD_isError(hint) != 0 {
                        failure = hint
                        return
                    }
                    pending = hint
                    if sink.pos > 0 { output.append(out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: sink.pos) }
                    // Done with this input once it is taken and zstd holds nothing more to give.
                    if source.pos == source.size && sink.pos < sink.size { return }
                }
            }
        }
        if let failure { throw ZstdError(code: failure, "the zstd stream is damaged") }
        return output
    }

    /// Checks the stream ended at the end of a frame: a truncated stream throws here.
    public func finish() throws(ZstdError) {
        guard sawInput else { throw ZstdError("the zstd stream is empty") }
        guard pending == 0 else { throw ZstdError("the zstd stream ends early (truncated)") }
    }
}
