import Foundation

/// Sizes for people, in one place (the CLI's tables and progress, the controller's messages).
public enum ByteCount {
    /// `1023 B`, `4.5 MiB`, `12.0 GiB`: one decimal, binary units.
    public static func short(_ bytes: Int64) -> String {
        let (value, unit) = scaled(bytes)
        return unit == nil ? "\(bytes) B" : String(format: "%.1f", value) + " " + unit!
    }

    /// `12.5 MiB (13107200 bytes)`: readable, and exact for scripts and for comparing two
    /// messages (a full disk's free space, a backup's size).
    public static func exact(_ bytes: Int64) -> String {
        let (value, unit) = scaled(bytes)
        guard let unit else { return "\(bytes) bytes" }
        return String(format: "%.1f", value) + " \(unit) (\(bytes) bytes)"
    }

    /// The value in the largest binary unit it reaches (nil below 1 KiB).
    private static func scaled(_ bytes: Int64) -> (Double, String?) {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard bytes >= 1024 else { return (Double(bytes), nil) }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return (value, units[unit])
    }
}
