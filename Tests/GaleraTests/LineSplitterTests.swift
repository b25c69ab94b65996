import Foundation
import Testing
@testable import Galera

@Suite struct LineSplitterTests {
    private func text(_ lines: [Data]) -> [String] { lines.map { String(decoding: $0, as: UTF8.self) } }

    @Test func linesSplitAcrossChunksAreJoined() throws {
        var splitter = LineSplitter()
        #expect(try splitter.append(Array("{\"type\":\"ADD".utf8)).isEmpty)
        #expect(splitter.pendingByteCount == 12)
        #expect(text(try splitter.append(Array("ED\"}\n{\"type\":".utf8))) == ["{\"type\":\"ADDED\"}"])
        #expect(text(try splitter.append(Array("\"X\"}\r\n\n{\"a\":1}\n{\"b\"".utf8))) == ["{\"type\":\"X\"}", "{\"a\":1}"])
        #expect(text(try splitter.append(Array(":2}".utf8))).isEmpty)
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "{\"b\":2}")
        #expect(splitter.finish() == nil)
    }

    @Test func everyByteInItsOwnChunkGivesTheSameLines() throws {
        let stream = "first line\nsecond\n\nthird\n"
        var splitter = LineSplitter()
        var lines: [Data] = []
        for byte in stream.utf8 { lines += try splitter.append([byte]) }
        #expect(text(lines) == ["first line", "second", "third"])
    }

    @Test func aLineLongerThanTheLimitFailsEvenWhenSpreadOverChunks() throws {
        var splitter = LineSplitter(maxLineLength: 10)
        #expect(text(try splitter.append(Array("0123456789\n".utf8))) == ["0123456789"])
        _ = try splitter.append(Array("01234".utf8))
        #expect(throws: LineTooLongError(limit: 10)) { try splitter.append(Array("567890".utf8)) }
        var other = LineSplitter(maxLineLength: 10)
        #expect(throws: LineTooLongError(limit: 10)) { try other.append(Array("01234567890123\n".utf8)) }
    }
}
