import Foundation
import Galera

/// Reads the raw xbstream, checks its framing and keeps its info files, and compresses it: used
/// by one task at a time, in order (the read loop), so its state needs no lock.
public final class BackupEncoder: @unchecked Sendable {
    public var scanner = XbstreamScanner()
    private let compressor: ZstdCompressor
    public private(set) var bytesOut: Int64 = 0

    public init() throws {
        compressor = try ZstdCompressor()
    }

    public func encode(_ raw: Data) throws -> Data {
        try scanner.feed(raw)
        let out = try compressor.compress(raw)
        bytesOut += Int64(out.count)
        return out
    }

    public func finish() throws -> Data {
        try scanner.finish()
        let out = try compressor.finish()
        bytesOut += Int64(out.count)
        return out
    }

    /// `UUID:SEQNO` from `xtrabackup_galera_info` (newer versions add a GTID after a space).
    public static func position(inGaleraInfo text: String) -> GaleraPosition? {
        guard let token = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first,
              let position = try? GaleraPosition(parsing: token), position.isDefined else { return nil }
        return position
    }
}

/// The other way: decompresses and checks the framing of a stream being unpacked.
public final class BackupDecoder: @unchecked Sendable {
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    private var scanner = XbstreamScanner(keeping: [])
    private let decompressor: ZstdDecompressor

    public init() throws {
        decompressor = try ZstdDecompressor()
    }

    public func decode(_ data: Data) throws -> Data {
        do {
            let raw = try decompressor.decompress(data)
            try scanner.feed(raw)
            return raw
        } catch let error as ZstdError {
            throw Problem(description: error.description)
        } catch let error as XbstreamScanner.Malformed {
            throw Problem(description: error.description)
        }
    }

    public func finish() throws {
        do {
            try decompressor.finish()
            try scanner.finish()
        } catch let error as ZstdError {
            throw Problem(description: error.description)
        } catch let error as XbstreamScanner.Malformed {
            throw Problem(description: error.description)
        }
    }
}
