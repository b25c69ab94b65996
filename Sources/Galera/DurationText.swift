import Foundation

extension Duration {
    /// The duration in seconds, for arithmetic with Foundation's dates and for metrics.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// For people, in messages and Events: "0.21 s", "12.5 s", "2 min 5 s". (`Duration`'s own
    /// description, "12.534551891000001 seconds", once reached users' Events.)
    public var readable: String {
        let value = inSeconds
        if value < 1 { return String(format: "%.2f s", value) }
        if value < 60 { return String(format: "%.1f s", value) }
        let whole = Int(value.rounded())
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }
}
