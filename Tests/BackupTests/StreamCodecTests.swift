import Foundation
import Testing
@testable import Backup

/// The backup stream's codecs against the real tools: what we compress, `zstd -dc` reads; what
/// `mbstream -c` packs, the scanner reads; damage is an error, never a short stream.
@Suite("the backup stream's codecs")
struct StreamCodecTests {
    static func tool(_ executable: String, _ arguments: [String], input: Data) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Compressible and incompressible bytes, as a datadir has both.
    static let sample: Data = {
        var data = Data()
        for index in 0..<40_000 { data.append(contentsOf: "row \(index) of a table\n".utf8) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<(256 << 10) { data.append(UInt8.random(in: 0...255, using: &generator)) }
        return data
    }()

    @Test func zstdReadsWhatWeWriteAndWeReadWhatZstdWrites() throws {
        let compressor = try ZstdCompressor()
        var compressed = Data()
        // Odd chunk sizes: the compressor keeps state across them.
        var offset = 0
        for size in [1, 7, 65_536, 300_000, 1 << 20] where offset < Self.sample.count {
            let end = min(Self.sample.count, offset + size)
            compressed += try compressor.compress(Self.sample[offset..<end])
            offset = end
        }
        compressed += try compressor.compress(Self.sample[offset...])
        compressed += try compressor.finish()
        #expect(compressed.count < Self.sample.count)
        let unpacked = try Self.tool("/usr/bin/zstd", ["-dc"], input: compressed)
        #expect(unpacked.status == 0)
        #expect(unpacked.output == Self.sample, "zstd -dc reads our stream")

        let packed = try Self.tool("/usr/bin/zstd", ["-1", "-c", "-q"], input: Self.sample)
        let decompressor = try ZstdDecompressor()
        var read = Data()
        for start in stride(from: 0, to: packed.output.count, by: 4093) {
            read += try decompressor.decompress(packed.output[start..<min(packed.output.count, start + 4093)])
        }
        try decompressor.finish()
        #expect(read == Self.sample, "we read zstd's stream")
    }

    @Test func aTruncatedOrFlippedZstdStreamIsAnError() throws {
        let compressor = try ZstdCompressor()
        let stream = try compressor.compress(Self.sample) + compressor.finish()

        let truncated = try ZstdDecompressor()
        _ = try truncated.decompress(stream.prefix(stream.count - 100))
        #expect(throws: ZstdError.self) { try truncated.finish() }

        var flipped = stream
        flipped[flipped.count / 2] ^= 0x01  // the frame checksum catches it
        let damaged = try ZstdDecompressor()
        #expect(throws: ZstdError.self) {
            _ = try damaged.decompress(flipped)
            try damaged.finish()
        }
    }

    @Test func theScannerReadsWhatMbstreamPacks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-xbstream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("8a8e6b44-ec2f-11f1-990a-4bfa0aa167bf:1234 0-1-99\n".utf8).write(to: directory.appendingPathComponent("xtrabackup_galera_info"))
        try Data("tool_name = mariabackup\nserver_version = 10.11.19-MariaDB-0+deb12u1\n".utf8).write(to: directory.appendingPathComponent("xtrabackup_info"))
        try Self.sample.write(to: directory.appendingPathComponent("ibdata1"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mbstream")
        process.arguments = ["-c", "ibdata1", "xtrabackup_galera_info", "xtrabackup_info"]
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let stream = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        var scanner = XbstreamScanner()
        for start in stride(from: 0, to: stream.count, by: 999) {
            try scanner.feed(stream[start..<min(stream.count, start + 999)])
        }
        try scanner.finish()
        #expect(scanner.galeraInfo?.hasPrefix("8a8e6b44-ec2f-11f1-990a-4bfa0aa167bf:1234") == true)
        #expect(scanner.serverVersion == "10.11.19-MariaDB-0+deb12u1")
        #expect(scanner.bytes == Int64(stream.count))

        var cut = XbstreamScanner()
        try cut.feed(stream.prefix(stream.count / 2))
        #expect(throws: XbstreamScanner.Malformed.self) { try cut.finish() }

        var garbage = XbstreamScanner()
        #expect(throws: XbstreamScanner.Malformed.self) { try garbage.feed(Data("not a backup at all".utf8)) }
    }
}
