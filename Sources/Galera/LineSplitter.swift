import Foundation

/// Cuts a byte stream into newline-terminated lines. Chunks arrive cut anywhere (a watch event
/// can span many chunks, a chunk can hold many events), so the partial tail is kept, but never
/// more than `maxLineLength` bytes of it: a line that long is an error, not a memory leak.
public struct LineSplitter: Sendable {
    public let maxLineLength: Int
    private var pending = Data()

    public init(maxLineLength: Int = 16 * 1024 * 1024) {
        self.maxLineLength = maxLineLength
    }

    /// The bytes of an unfinished line held so far.
    public var pendingByteCount: Int { pending.count }

    /// Adds a chunk and returns the lines it completed, without their `\n` (or `\r\n`); blank
    /// lines are skipped.
    public mutating func append<Bytes: Collection>(_ chunk: Bytes) throws(LineTooLongError) -> [Data] where Bytes.Element == UInt8 {
        let outcome = chunk.withContiguousStorageIfAvailable { split(UnsafeRawBufferPointer($0)) }
            ?? Array(chunk).withUnsafeBytes { split($0) }
        guard let lines = outcome else { throw LineTooLongError(limit: maxLineLength) }
        return lines
    }

    /// Scans with `memchr`, so megabyte-sized events cost little even in debug builds. Nil when a
    /// line exceeds the limit.
    private mutating func split(_ buffer: UnsafeRawBufferPointer) -> [Data]? {
        guard let base = buffer.baseAddress else { return [] }
        var lines: [Data] = []
        var start = 0
        while start < buffer.count,
              let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start) {
            let end = base.distance(to: UnsafeRawPointer(found))
            guard pending.count + (end - start) <= maxLineLength else { return nil }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            if pending.isEmpty {
                emit(Data(piece), into: &lines)
            } else {
                pending.append(contentsOf: piece)
                emit(pending, into: &lines)
                pending = Data()
            }
            start = end + 1
        }
        guard pending.count + (buffer.count - start) <= maxLineLength else { return nil }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        return lines
    }

    /// At the end of the stream: the last line if it had no newline.
    public mutating func finish() -> Data? {
        defer { pending = Data() }
        var lines: [Data] = []
        emit(pending, into: &lines)
        return lines.first
    }

    private func emit(_ line: Data, into lines: inout [Data]) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return }
        lines.append(line)
    }
}

public struct LineTooLongError: Error, Sendable, Hashable {
    public var limit: Int
}
