import Foundation
import KubeAPI

/// Ages as kubectl prints them (`45s`, `5m12s`, `45m`, `5h30m`, `3d4h`, `2y`): the same rule as
/// the API server's tables (`HumanDuration`), so `kubectl get` and `kubectl qmysql get` agree.
enum Age {
    static func describe(_ timestamp: String?, now: Date = Date()) -> String {
        guard let timestamp, let date = KubeTime.parse(timestamp) else { return "<unknown>" }
        return HumanDuration.since(date, now: now)
    }
}
