import CZlib

/// The CRC-32 (IEEE 802.3) that MariaDB puts at the end of every binary log event when
/// `binlog_checksum=CRC32` (the default; the server computes it with zlib's `crc32` too):
/// checked on every event archived or replayed, and recomputed for the one event a segment's
/// copy changes (its format description). zlib's, not a loop of our own: an archiver reads every
/// byte the cluster writes.
public enum CRC32 {
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(buffer: $0) }) { return crc }
        return Array(bytes).withUnsafeBufferPointer { checksum(buffer: $0) }
    }

    static func checksum(buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc = crc32(0, nil, 0)
        guard let base = buffer.baseAddress else { return UInt32(crc) }
        // zlib's length is a 32-bit uInt.
        var offset = 0
        while offset < buffer.count {
            let length = min(buffer.count - offset, Int(UInt32.max))
            crc = crc32(crc, base + offset, UInt32(length))
            offset += length
        }
        return UInt32(crc)
    }
}
