import AsyncHTTPClient
import Foundation
import NIOCore

/// The operator's `/metrics` as the bench reads it: its reconcile-duration histogram and its own
/// count of API requests, to compare phases (two scrapes subtract).
struct OperatorExposition {
    /// Cumulative counts by upper bound, `+Inf` as `.infinity`.
    var buckets: [Double: Double] = [:]
    var durationSum = 0.0
    var durationCount = 0.0
    /// `qmysql_operator_api_requests_total` by verb, every code summed.
    var requestsByVerb: [String: Double] = [:]

    static func scrape(port: Int) async throws -> OperatorExposition {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
        return OperatorExposition(parsing: String(buffer: try await response.body.collect(upTo: 4 << 20)))
    }

    init() {}

    init(parsing text: String) {
        let bucketPrefix = "qmysql_operator_reconcile_duration_seconds_bucket{le=\""
        let requestsPrefix = "qmysql_operator_api_requests_total{verb=\""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            if series.hasPrefix(bucketPrefix) {
                let bound = series.dropFirst(bucketPrefix.count).prefix { $0 != "\"" }
                buckets[bound == "+Inf" ? .infinity : Double(bound) ?? .nan] = value
            } else if series == "qmysql_operator_reconcile_duration_seconds_sum" {
                durationSum = value
            } else if series == "qmysql_operator_reconcile_duration_seconds_count" {
                durationCount = value
            } else if series.hasPrefix(requestsPrefix) {
                requestsByVerb[String(series.dropFirst(requestsPrefix.count).prefix { $0 != "\"" }), default: 0] += value
            }
        }
    }

    /// What happened between `earlier` and this scrape.
    func since(_ earlier: OperatorExposition) -> OperatorExposition {
        var delta = OperatorExposition()
        delta.buckets = buckets.merging(earlier.buckets) { now, before in now - before }
        delta.durationSum = durationSum - earlier.durationSum
        delta.durationCount = durationCount - earlier.durationCount
        delta.requestsByVerb = requestsByVerb.merging(earlier.requestsByVerb) { now, before in now - before }
        return delta
    }

    /// As PromQL's `histogram_quantile`: linear inside the bucket the rank falls in.
    func quantile(_ q: Double) -> Double {
        let sorted = buckets.sorted { $0.key < $1.key }
        guard let total = sorted.last?.value, total > 0 else { return .nan }
        let rank = q * total
        var (lowerBound, lowerCount) = (0.0, 0.0)
        for (bound, count) in sorted {
            if count >= rank {
                guard bound.isFinite else { return lowerBound }
                return lowerBound + (bound - lowerBound) * (rank - lowerCount) / max(count - lowerCount, 1)
            }
            (lowerBound, lowerCount) = (bound, count)
        }
        return lowerBound
    }

    /// `p50 1.2 ms, p90 …, p99 …, mean …` over `durationCount` reconciles.
    var summary: String {
        func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
        return "\(Int(durationCount)) reconciles: p50 \(ms(quantile(0.5))), p90 \(ms(quantile(0.9))), p99 \(ms(quantile(0.99))), mean \(ms(durationCount > 0 ? durationSum / durationCount : .nan))"
    }
}
