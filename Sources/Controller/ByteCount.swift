import Foundation

/// Bytes as a person reads them in a message: `12.5 MiB (13107200 bytes)`, exact for scripts too.
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\(String(format: "%.1f", value)) \(units[unit]) (\(bytes) bytes)"
    }
}
