import Testing
@testable import KubeClient

@Suite struct RequestTimeoutTests {
    @Test(arguments: [
        ("30", Duration.seconds(30)), ("1m30s", .seconds(90)), ("500ms", .milliseconds(500)), ("1.5h", .seconds(5400)),
        ("2m", .seconds(120)),
    ])
    func parsesKubectlForms(text: String, expected: Duration) throws {
        #expect(try RequestTimeout.parse(text) == expected)
    }

    @Test func zeroMeansNoTimeout() throws {
        #expect(try RequestTimeout.parse("0") == nil)
        #expect(try RequestTimeout.parse("0s") == nil)
    }

    @Test(arguments: ["", "abc", "5x", "-3", "1m5"])
    func rejectsNonsense(text: String) {
        #expect(throws: RequestTimeoutError(text: text)) { try RequestTimeout.parse(text) }
    }
}
