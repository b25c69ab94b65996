import Foundation

/// Parses kubectl's `--request-timeout` values: a bare number of seconds (`30`), or a Go
/// duration (`1m30s`, `500ms`, `1.5h`). Zero means no timeout (nil).
public enum RequestTimeout {
    public static func parse(_ text: String) throws(RequestTimeoutError) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RequestTimeoutError(text: text) }
        if let seconds = Int(trimmed) {
            guard seconds >= 0 else { throw RequestTimeoutError(text: text) }
            return seconds == 0 ? nil : .seconds(seconds)
        }
        var total = Duration.zero
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number), let scale = units[String(unit)] else { throw RequestTimeoutError(text: text) }
            total += scale * value
        }
        return total == .zero ? nil : total
    }

    private static let units: [String: Duration] = [
        "ns": .nanoseconds(1), "us": .microseconds(1), "µs": .microseconds(1), "ms": .milliseconds(1),
        "s": .seconds(1), "m": .seconds(60), "h": .seconds(3600),
    ]
}

public struct RequestTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var description: String {
        "invalid request timeout \"\(text)\": use a number of seconds (30) or a duration with a unit (500ms, 30s, 2m, 1h); 0 means no timeout"
    }
}
