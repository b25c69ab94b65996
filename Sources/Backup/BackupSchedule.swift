import Foundation

/// When scheduled backups run: `spec.backup.backupTime` (`"01:01,13:01"`), times of day in a
/// time zone (UTC unless one is given). Pure: the caller brings the clock.
public struct BackupSchedule: Sendable, Equatable {
    public struct TimeOfDay: Sendable, Hashable, Comparable {
        public var hour: Int
        public var minute: Int

        public static func < (left: TimeOfDay, right: TimeOfDay) -> Bool {
            (left.hour, left.minute) < (right.hour, right.minute)
        }
    }

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public let times: [TimeOfDay]
    public let timeZone: TimeZone

    /// Parses `HH:MM[,HH:MM...]` (the CRD's pattern): duplicates are one time, order does not matter.
    public init(parsing text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(Problem) {
        var times: Set<TimeOfDay> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard fields.count == 2, fields.allSatisfy({ $0.count == 2 }), let hour = Int(fields[0]), let minute = Int(fields[1]),
                  (0..<24).contains(hour), (0..<60).contains(minute) else {
                throw Problem(description: "backupTime '\(text)': '\(part)' is not a time of day HH:MM (00:00 to 23:59)")
            }
            times.insert(TimeOfDay(hour: hour, minute: minute))
        }
        self.times = times.sorted()
        self.timeZone = timeZone
    }

    /// The longest time between two scheduled backups (a day for one time a day; 12 h for
    /// "01:01,13:01"): how old the newest backup may be before one was missed. DST shifts it by
    /// an hour at most, which the alerts' margin absorbs.
    public var longestGap: TimeInterval {
        let minutes = times.map { $0.hour * 60 + $0.minute }.sorted()
        guard let first = minutes.first, let last = minutes.last else { return 86_400 }
        let gaps = zip(minutes, minutes.dropFirst()).map { $1 - $0 } + [first + 1440 - last]
        return TimeInterval((gaps.max() ?? 1440) * 60)
    }

    /// The first scheduled instant strictly after `date`.
    public func next(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.startOfDay(for: date)
        // Today's and tomorrow's times cover every case (a day has at least one of them ahead),
        // the day after that a day that skips a time at a DST change.
        for offset in 0...2 {
            guard let base = calendar.date(byAdding: .day, value: offset, to: day) else { continue }
            for time in times {
                if let instant = calendar.date(bySettingHour: time.hour, minute: time.minute, second: 0, of: base), instant > date {
                    return instant
                }
            }
        }
        return date.addingTimeInterval(86_400)
    }

    /// The scheduled instant a backup is due for, if one passed since `last` (the previous
    /// scheduled instant that was acted on, or when scheduling began) up to `now`. Several missed
    /// instants (the controller was down) give one backup, for the latest of them.
    public func due(since last: Date, now: Date) -> Date? {
        var instant = next(after: last)
        guard instant <= now else { return nil }
        while true {
            let following = next(after: instant)
            if following > now { return instant }
            instant = following
        }
    }
}

/// Which backups `reservedDays` lets go: those finished more than that many days before `now`,
/// never the newest one (a cluster whose backups stopped keeps its last way back).
public enum BackupRetention {
    public static func expired(_ records: [BackupMetadata], reservedDays: Int, now: Date) -> [String] {
        guard let newest = records.max(by: { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }) else { return [] }
        let cutoff = now.addingTimeInterval(-Double(max(reservedDays, 1)) * 86_400)
        return records.filter { $0.id != newest.id && $0.finishedAt < cutoff }
            .sorted { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }.map(\.id)
    }
}
