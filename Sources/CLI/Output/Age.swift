import Foundation
import KubeAPI

/// kubectl's short ages: `45s`, `12m`, `5h`, `3d`, `2y`.
enum Age {
    static func describe(_ timestamp: String?, now: Date = Date()) -> String {
        guard let timestamp, let date = KubeTime.parse(timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<(120 * 60): return "\(seconds / 60)m"
        case ..<(48 * 3600): return "\(seconds / 3600)h"
        case ..<(365 * 86400 * 2): return "\(seconds / 86400)d"
        default: return "\(seconds / (365 * 86400))y"
        }
    }
}
