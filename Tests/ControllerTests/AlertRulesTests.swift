import Foundation
import Galera
import KubeAPI
import LocalCluster
import Testing
@testable import Controller

/// The alert rules users load into Prometheus (monitoring/qmysql-alerts.yaml): valid, every alert
/// unit-tested firing and not firing (monitoring/qmysql-alerts.test.yaml), and every metric they
/// read exported by the controller under that very name, so rules and metrics cannot drift apart.
@Suite struct AlertRulesTests {
    static let monitoring = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("monitoring").path

    @Test func theRulesAreValidAndTheirUnitTestsPass() async throws {
        let check = try await Promtool.run(["check", "rules", "qmysql-alerts.yaml"], in: Self.monitoring)
        #expect(check.passed && check.output.contains("SUCCESS: 15 rules found"), "\(check.output)")
        let test = try await Promtool.run(["test", "rules", "qmysql-alerts.test.yaml"], in: Self.monitoring)
        #expect(test.passed && test.output.contains("SUCCESS"), "\(test.output)")
    }

    /// The unit tests can fail: with the Red alert's `for` lengthened, its expected firing is not met.
    @Test func aChangedRuleFailsItsUnitTest() async throws {
        let directory = NSTemporaryDirectory() + "qmysql-rules-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = try String(contentsOfFile: Self.monitoring + "/qmysql-alerts.yaml", encoding: .utf8)
        let red = "phase=~\"Forming|Paused|Restoring\"} == 1\n        for: 1m"
        let slower = rules.replacingOccurrences(of: red, with: red.replacingOccurrences(of: "1m", with: "10m"))
        #expect(slower != rules)
        try slower.write(toFile: directory + "/qmysql-alerts.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.monitoring + "/qmysql-alerts.test.yaml", toPath: directory + "/qmysql-alerts.test.yaml")
        let test = try await Promtool.run(["test", "rules", "qmysql-alerts.test.yaml"], in: directory)
        #expect(!test.passed && test.output.contains("QmysqlClusterRed"), "\(test.output)")
    }

    /// The dashboard draws the alerts' thresholds as lines: each alert on a gauge has a panel
    /// that names it, with a red threshold line where the alert starts counting.
    @Test func theDashboardDrawsEveryAlertsThreshold() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.monitoring + "/qmysql-dashboard.json"))
        let panels = try JSONValue.parse(data)["panels"]?.arrayValue ?? []
        #expect(panels.count >= 10)
        for alert in ["QmysqlClusterNotGreen", "QmysqlNodeNotGreen", "QmysqlNodeUnknown", "QmysqlManualInterventionRequired"] {
            let panel = panels.first { $0["description"]?.stringValue?.contains(alert) == true }
            #expect(panel?[path: ["fieldConfig", "defaults", "custom", "thresholdsStyle", "mode"]] == "line", "\(alert): a threshold line")
            let red = panel?[path: ["fieldConfig", "defaults", "thresholds", "steps"]]?.arrayValue?.first { $0["color"] == "red" }
            #expect(red?["value"]?.intValue == 1, "\(alert): the line at 1, where the rule's expression holds")
        }
        // The backup alert's limit varies per cluster: drawn as a series of its own, from the same metrics.
        let backup = panels.first { $0["description"]?.stringValue?.contains("QmysqlBackupTooOld") == true }
        let expressions = backup?["targets"]?.arrayValue?.compactMap { $0["expr"]?.stringValue } ?? []
        #expect(expressions.contains { $0.contains("qmysql_controller_backup_schedule_interval_seconds") && $0.contains("+ 3600") }, "\(expressions)")
    }

    @Test func everyMetricTheRulesReadIsExportedAndLintClean() async throws {
        let metrics = ControllerMetrics(cluster: "demo", nodes: ["demo-0", "demo-1"])
        metrics.recordCatalog(newest: (Date(timeIntervalSince1970: 1_800_000_000), 1 << 20, 12.5), scheduleInterval: 43_200)
        metrics.recordBackup(succeeded: true)
        metrics.recordManualIntervention(false)
        metrics.recordDetection(.milliseconds(300))
        metrics.recordRecovered(.nodeDown, after: .seconds(9))
        metrics.recordArchive(enabled: true, through: 1_800_000_000, gaps: 0)
        metrics.recordArchivedSegment(bytes: 4096, lagSeconds: 3.2)
        let exposition = metrics.render()
        let rules = try String(contentsOfFile: Self.monitoring + "/qmysql-alerts.yaml", encoding: .utf8)
        // The agent's metrics are checked against the agent's exposition (AgentTests).
        // The agent's and the operator's are checked against their own expositions (AgentTests,
        // OperatorTests).
        let read = Set(rules.matches(of: try Regex("qmysql_[a-z_]+")).map { String(rules[$0.range]) })
            .filter { !$0.hasPrefix("qmysql_agent_") && !$0.hasPrefix("qmysql_operator_") }
        #expect(read.count >= 5, "\(read)")
        for name in read {
            #expect(exposition.contains("# TYPE \(name) "), "the rules read \(name); the controller does not export it")
        }
        #expect(exposition.contains(#"qmysql_controller_backup_schedule_interval_seconds{cluster="demo"} 43200"#), "\(exposition)")
        #expect(exposition.contains(#"qmysql_controller_backups_total{cluster="demo",result="succeeded"} 1"#), "\(exposition)")
        let lint = try await Promtool.checkMetrics(exposition)
        #expect(lint.passed, "\(lint.output)")
    }
}
