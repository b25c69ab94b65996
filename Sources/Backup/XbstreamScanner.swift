import Foundation

/// Reads an xbstream (mariabackup's and xtrabackup's `--stream=xbstream`) as it passes by,
/// without unpacking it: it checks the framing and keeps the contents of a few small files, the
/// ones that describe the backup (`xtrabackup_galera_info`: its Galera position;
/// `xtrabackup_info`: the server's version). Everything else is skipped, never copied.
///
/// The framing (mariabackup's xbstream.h): every chunk is `XBSTCK01`, a flags byte, a type byte
/// ('P' payload or 'E' end of file), the path's length (4 bytes, little endian) and the path; a
/// payload chunk then has its length (8), its offset in the file (8), a CRC-32 (4) and the bytes.
public struct XbstreamScanner: Sendable {
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    static let magic = Array("XBSTCK01".utf8)
    static let maxPathLength = 4096
    static let maxKeptBytes = 1 << 20

    /// The files whose contents are kept.
    public let wanted: Set<String>
    /// Their contents so far, by path.
    public private(set) var files: [String: Data] = [:]
    /// Chunks seen, and stream bytes read.
    public private(set) var chunks = 0
    public private(set) var bytes: Int64 = 0

    private enum Stage: Sendable {
        case header
        case payload(path: String, remaining: Int64)
    }

    private var stage = Stage.header
    private var pending: [UInt8] = []

    public init(keeping wanted: Set<String> = ["xtrabackup_galera_info", "xtrabackup_info", "xtrabackup_binlog_info"]) {
        self.wanted = wanted
    }

    /// Reads the next bytes of the stream.
    public mutating func feed(_ data: Data) throws(Malformed) {
        bytes += Int64(data.count)
        var index = data.startIndex
        while index < data.endIndex {
            switch stage {
            case .payload(let path, let remaining):
                let take = Int(min(remaining, Int64(data.endIndex - index)))
                if wanted.contains(path) {
                    let kept = files[path, default: Data()]
                    guard kept.count + take <= Self.maxKeptBytes else {
                        throw Malformed(description: "\(path) in the stream is larger than \(Self.maxKeptBytes) bytes")
                    }
                    files[path] = kept + data[index..<index + take]
                }
                index += take
                stage = remaining - Int64(take) == 0 ? .header : .payload(path: path, remaining: remaining - Int64(take))
            case .header:
                // Headers are small: gather one whole before reading it.
                let need = try headerLength()
                if let need, pending.count >= need {
                    try takeHeader()
                    continue
                }
                let want = (need ?? (Self.magic.count + 6)) - pending.count
                let take = min(max(want, 1), data.endIndex - index)
                pending.append(contentsOf: data[index..<index + take])
                index += take
                if let full = try headerLength(), pending.count >= full { try takeHeader() }
            }
        }
    }

    /// Checks the stream ended between chunks (a truncated stream ends inside one).
    public func finish() throws(Malformed) {
        if case .payload(let path, let remaining) = stage {
            throw Malformed(description: "the stream ends inside \(path) (\(remaining) bytes missing)")
        }
        if !pending.isEmpty { throw Malformed(description: "the stream ends inside a chunk header") }
        if chunks == 0 { throw Malformed(description: "the stream is empty") }
    }

    /// The whole header's length once enough of it is known; nil while the path length is not.
    private func headerLength() throws(Malformed) -> Int? {
        let fixed = Self.magic.count + 2 + 4
        guard pending.count >= fixed else {
            if !pending.isEmpty, !Self.magic.starts(with: pending.prefix(Self.magic.count)) { throw notAStream() }
            return nil
        }
        guard Array(pending.prefix(Self.magic.count)) == Self.magic else { throw notAStream() }
        let pathLength = Int(littleEndian(pending, at: Self.magic.count + 2, bytes: 4))
        guard pathLength > 0, pathLength <= Self.maxPathLength else {
            throw Malformed(description: "chunk \(chunks + 1) has a path length of \(pathLength)")
        }
        let type = pending[Self.magic.count + 1]
        return fixed + pathLength + (type == UInt8(ascii: "P") ? 20 : 0)
    }

    private mutating func takeHeader() throws(Malformed) {
        let fixed = Self.magic.count + 2 + 4
        let type = pending[Self.magic.count + 1]
        let pathLength = Int(littleEndian(pending, at: Self.magic.count + 2, bytes: 4))
        let path = String(decoding: pending[fixed..<fixed + pathLength], as: UTF8.self)
        chunks += 1
        switch type {
        case UInt8(ascii: "P"):
            let length = Int64(bitPattern: littleEndian(pending, at: fixed + pathLength, bytes: 8))
            guard length >= 0 else { throw Malformed(description: "chunk \(chunks) (\(path)) has a negative length") }
            stage = length == 0 ? .header : .payload(path: path, remaining: length)
        case UInt8(ascii: "E"):
            stage = .header
        default:
            throw Malformed(description: "chunk \(chunks) (\(path)) has an unknown type \(type)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func notAStream() -> Malformed {
        Malformed(description: "not an xbstream: chunk \(chunks + 1) at byte \(bytes) does not start with XBSTCK01")
    }

    private func littleEndian(_ bytes: [UInt8], at offset: Int, bytes count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    /// The Galera position in `xtrabackup_galera_info` (`UUID:SEQNO`, maybe followed by a GTID).
    public var galeraInfo: String? {
        files["xtrabackup_galera_info"].map { String(decoding: $0, as: UTF8.self) }
    }

    /// The binary log's GTID position the backup is consistent at (`xtrabackup_binlog_info`:
    /// file, offset, then the GTID list, e.g. `1-1-40,101-1-2`); nil without binary logging.
    public var binlogGTIDs: String? {
        guard let info = files["xtrabackup_binlog_info"] else { return nil }
        let fields = String(decoding: info, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        return fields.count >= 3 ? String(fields[2]) : nil
    }

    /// `server_version` from `xtrabackup_info`.
    public var serverVersion: String? {
        guard let info = files["xtrabackup_info"] else { return nil }
        return Self.serverVersion(inInfo: String(decoding: info, as: UTF8.self))
    }

    public static func serverVersion(inInfo text: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "server_version" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
