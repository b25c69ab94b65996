import AgentAPI

/// Where the supervisor hands a fresh status whenever something a controller cares about
/// changed. The reporter implements it; without a controller it does nothing.
protocol ReportSink: Sendable {
    func submit(_ status: AgentStatus)
}

struct DiscardingReportSink: ReportSink {
    func submit(_ status: AgentStatus) {}
}
