import Foundation

/// kube's `duration.HumanDuration`: 42s, 5m12s, 45m, 5h30m, 27h, 3d4h, 100d, 3y. The API server's
/// tables (kubectl's AGE column) and the CLI's own tables print ages with it, so they agree.
public enum HumanDuration {
    public static func since(_ date: Date, now: Date) -> String {
        let interval = now.timeIntervalSince(date)
        // kube's rule: a little skew is "0s", more is said to be wrong.
        if interval < -1 { return "<invalid>" }
        let seconds = max(0, Int(interval))
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        let days = hours / 24
        if days < 8 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        let years = days / 365
        if years < 8, days % 365 != 0 { return "\(years)y\(days % 365)d" }
        return "\(years)y"
    }
}
