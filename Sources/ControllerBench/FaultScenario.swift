import AgentAPI
import Foundation
import Galera
import LocalCluster

/// A fault to inject into a Green cluster, and which nodes it hits.
struct FaultScenario: Sendable {
    var name: String
    var nodes: [Int]
    var inject: @Sendable (LocalCluster) async throws -> Void

    static let all: [FaultScenario] = [
        FaultScenario(name: "kill-one", nodes: [1]) { cluster in _ = try await cluster.kill(1) },
        FaultScenario(name: "stop-one", nodes: [2]) { cluster in _ = try await cluster.node(2).client.stop(.graceful) },
        FaultScenario(name: "kill-two", nodes: [1, 2]) { cluster in
            async let a = cluster.kill(1)
            async let b = cluster.kill(2)
            _ = try await (a, b)
        },
        FaultScenario(name: "kill-all", nodes: [0, 1, 2]) { cluster in
            async let a = cluster.kill(0)
            async let b = cluster.kill(1)
            async let c = cluster.kill(2)
            _ = try await (a, b, c)
        },
        FaultScenario(name: "stop-all", nodes: [0, 1, 2]) { cluster in
            async let a = cluster.node(0).client.stop(.graceful)
            async let b = cluster.node(1).client.stop(.graceful)
            async let c = cluster.node(2).client.stop(.graceful)
            _ = try await (a, b, c)
        },
    ]

    func measure(bed: BenchBed, run: Int) async throws -> Measurement {
        let benchRun = try await bed.startRun("\(name)-\(run)")
        do {
            let probe = WriteProbe(endpoints: benchRun.cluster.nodes.map(\.sqlOptions), threadPool: bed.threadPool, firstID: 1_000_000 * Int64(run))
            probe.start()
            try await Task.sleep(for: .seconds(1))
            let names = Set(nodes.map { benchRun.cluster.node($0).name })
            let fault = ContinuousClock.now
            let faultDate = Date()
            try await inject(benchRun.cluster)
            let noticed = try await benchRun.waitNoticed(names, after: fault, timeout: .seconds(20))
            try await benchRun.waitStatusLeftGreen(timeout: .seconds(20))
            let green = try await benchRun.waitSettledGreen(timeout: .seconds(120))
            // Writes may resume after Green (a full outage): give the probe a moment.
            let actionRecords = await benchRun.controller.actions()
            // Recovering a position touches only a stopped node's datadir; a join or bootstrap is the
            // first action that could interrupt writes itself.
            let firstAction = actionRecords.first(where: { $0.verb != "recover-position" }).map { fault + .milliseconds(Int($0.startedAt.timeIntervalSince(faultDate) * 1000)) } ?? green
            var written = probe.writesAgain(after: fault, cutoff: firstAction)
            let deadline = ContinuousClock.now + .seconds(10)
            while written == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                written = probe.writesAgain(after: fault, cutoff: firstAction)
            }
            let gap = probe.longestGap(from: fault, to: green)
            await probe.stop()
            if ProcessInfo.processInfo.environment["QMYSQL_BENCH_VERBOSE"] != nil {
                say("writes after the fault (\(name)):\n" + probe.timeline(from: fault))
            }
            let actions = actionRecords.map(\.summary)
            await benchRun.stop()
            return Measurement(detection: noticed - fault, writesAgain: written.map { $0 - fault },
                               longestGap: gap, green: green - fault, actions: actions)
        } catch {
            await benchRun.stop()
            throw error
        }
    }
}

struct Measurement: Sendable, CustomStringConvertible {
    var detection: Duration
    var writesAgain: Duration?
    var longestGap: Duration
    var green: Duration
    var actions: [String]

    var description: String {
        "detected \(Self.format(detection)), writes again \(writesAgain.map(Self.format) ?? "never"), longest write gap \(Self.format(longestGap)), Green \(Self.format(green)); actions: \(actions.joined(separator: ", "))"
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.2f s", duration.inSeconds)
    }

    static func summary(_ values: [Duration]) -> String {
        guard !values.isEmpty else { return "n/a" }
        let sorted = values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return "\(format(median)) (\(format(sorted.first!))–\(format(sorted.last!)))"
    }

    static func table(_ results: [(FaultScenario, [Measurement])]) -> String {
        var lines = ["| scenario | runs | detection | writes succeed again | longest write gap until Green | Green again |", "|---|---|---|---|---|---|"]
        for (scenario, measurements) in results {
            lines.append("| \(scenario.name) | \(measurements.count) | \(summary(measurements.map(\.detection))) | \(summary(measurements.compactMap(\.writesAgain))) | \(summary(measurements.map(\.longestGap))) | \(summary(measurements.map(\.green))) |")
        }
        return lines.joined(separator: "\n")
    }
}
