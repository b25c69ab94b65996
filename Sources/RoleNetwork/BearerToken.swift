/// The shared secret of the agent and controller APIs, checked in constant time so response timing
/// does not leak how much of a guess was right.
public struct BearerToken: Sendable {
    private let expected: [UInt8]

    public init(_ token: String) {
        expected = Array(token.utf8)
    }

    /// `header` is the whole Authorization header value.
    public func accepts(authorizationHeader header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        return matches(Array(header.dropFirst("Bearer ".count).utf8))
    }

    public func matches(_ presented: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: presented.count ^ expected.count)
        for index in 0..<max(presented.count, expected.count) {
            let a = index < presented.count ? presented[index] : 0
            let b = index < expected.count ? expected[index] : 0
            difference |= a ^ b
        }
        return difference == 0 && !expected.isEmpty
    }
}
