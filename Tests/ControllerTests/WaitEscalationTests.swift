import Testing
@testable import Controller

@Suite("which waits ask a person, after how long, and what")
struct WaitEscalationTests {
    static let expected: [Waiting.Kind: (bound: Duration?, reason: String?)] = [
        .agentBusy: (nil, nil),
        .transfer: (nil, nil),
        .agentsStarting: (.seconds(600), "AgentsNotStarting"),
        .rejoining: (.seconds(60), "NodeCutOff"),
        .starting: (.seconds(60), "NodeNotAnswering"),
        .viewSettling: (.seconds(60), "ViewNotChanging"),
        .merging: (.seconds(60), "AllNonPrimary"),
    ]

    @Test("every kind of wait: its bound and its reason", arguments: Waiting.Kind.allCases)
    func eachKind(_ kind: Waiting.Kind) throws {
        let expected = try #require(Self.expected[kind], "\(kind) is in the table")
        let waiting = Waiting(kind, node: "n2", reason: "the reason seen")
        #expect(waiting.escalationBound(waitEscalateAfter: .seconds(60), agentStartDeadline: .seconds(600)) == expected.bound)
        let asked = waiting.escalation(lasted: .seconds(61))
        #expect(asked?.reason == expected.reason)
        if let asked {
            #expect(asked.seen.contains("the reason seen") && asked.seen.contains("1 min"), "\(asked.seen)")
        }
    }
}
