import Foundation
import KubeAPI
import Testing
@testable import CLI

/// The CLI's tables print ages as kubectl does (the API server's tables use the same rule):
/// they once printed `5m` where `kubectl get` printed `5m12s`.
@Suite struct AgeTests {
    @Test func agesReadAsKubectlPrintsThem() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let cases: [(TimeInterval, String)] = [(42, "42s"), (312, "5m12s"), (600, "10m"), (2700, "45m"), (5.5 * 3600, "5h30m"),
                                               (27 * 3600, "27h"), (76 * 3600, "3d4h"), (100 * 86400, "100d"), (775 * 86400, "2y45d")]
        for (seconds, text) in cases {
            let timestamp = KubeTime.format(now.addingTimeInterval(-seconds))
            #expect(Age.describe(timestamp, now: now) == text, "\(seconds) s")
        }
        // A creation time ahead of this machine's clock (skew) reads as kubectl prints it.
        #expect(Age.describe(KubeTime.format(now.addingTimeInterval(0.5)), now: now) == "0s")
        #expect(Age.describe(KubeTime.format(now.addingTimeInterval(30)), now: now) == "<invalid>")
        #expect(Age.describe(nil, now: now) == "<unknown>")
        #expect(Age.describe("not a time", now: now) == "<unknown>")
    }
}
