import Foundation

/// A process's resident memory as Linux's /proc/PID/status reports it: what the benchmarks
/// measure (docs/benchmarks.md).
public enum ResidentMemory {
    public enum Field: String, Sendable {
        /// `VmRSS`: resident now.
        case current = "VmRSS"
        /// `VmHWM`: the peak since the process began, or since `resetPeak`.
        case peak = "VmHWM"
    }

    /// The field in KiB, of this process (`pid` nil) or another; 0 when it cannot be read.
    public static func kibibytes(_ field: Field, pid: pid_t? = nil) -> Int {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        let line = text.split(separator: "\n").first { $0.hasPrefix(field.rawValue + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Makes this process's peak its current RSS (Linux: "5" to /proc/self/clear_refs), so the
    /// next `peak` is the peak from now on.
    public static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
