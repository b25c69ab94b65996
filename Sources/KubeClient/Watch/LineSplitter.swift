import Foundation

/// Cuts a byte stream into newline-terminated lines. Chunks arrive cut anywhere (a watch event
/// can span many chunks, a chunk can hold many events), so the partial tail is kept, but never
/// more than `maxLineLength` bytes of it: a line that long is an error, not a memory leak.
public struct LineSplitter: Sendable {
    public let maxLineLength: Int
    private var pending: [UInt8] = []

    public init(maxLineLength: Int = 16 * 1024 * 1024) {
        self.maxLineLength = maxLineLength
    }

    /// The bytes of an unfinished line held so far.
    public var pendingByteCount: Int { pending.count }

    /// Adds a chunk and returns the lines it completed, without their `\n` (or `\r\n`); blank
    /// lines are skipped.
    public mutating func append<Bytes: Collection>(_ chunk: Bytes) throws(LineTooLongError) -> [Data] where Bytes.Element == UInt8 {
        var lines: [Data] = []
        var start = chunk.startIndex
        var index = start
        while index != chunk.endIndex {
            if chunk[index] == UInt8(ascii: "\n") {
                let piece = chunk[start..<index]
                guard pending.count + piece.count <= maxLineLength else { throw LineTooLongError(limit: maxLineLength) }
                if pending.isEmpty {
                    emit(Data(piece), into: &lines)
                } else {
                    pending.append(contentsOf: piece)
                    emit(Data(pending), into: &lines)
                    pending.removeAll(keepingCapacity: true)
                }
                start = chunk.index(after: index)
            }
            index = chunk.index(after: index)
        }
        let tail = chunk[start..<chunk.endIndex]
        guard pending.count + tail.count <= maxLineLength else { throw LineTooLongError(limit: maxLineLength) }
        pending.append(contentsOf: tail)
        return lines
    }

    /// At the end of the stream: the last line if it had no newline.
    public mutating func finish() -> Data? {
        defer { pending.removeAll() }
        var lines: [Data] = []
        emit(Data(pending), into: &lines)
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
