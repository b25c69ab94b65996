import Foundation
import KubeAPI
import KubeClient
import QiniuAPI

/// Follows one QiniuMySQLData task by watching it, printing a line to standard error whenever
/// its phase or a step changes, until it succeeds or fails. The watch resumes by itself after
/// dropped connections, so a long restore survives a flaky network.
struct TaskFollower {
    var session: KubeSession
    var timeout: Duration

    func follow(name: String) async throws -> QiniuMySQLData {
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: QiniuMySQLData?.self) { group in
            group.addTask {
                var last = ""
                let events = session.client.watch(
                    QiniuMySQLData.self, namespace: session.namespace,
                    options: WatchOptions(fieldSelector: "metadata.name=\(name)"))
                for try await event in events {
                    let current: QiniuMySQLData?
                    switch event {
                    case .snapshot(let objects, _): current = objects.first { $0.metadata.name == name }
                    case .added(let object), .modified(let object): current = object
                    case .deleted: throw CLIError("task \(name) was deleted while waiting for it", status: .taskFailed)
                    case .bookmark: current = nil
                    }
                    guard let task = current, task.metadata.name == name else { continue }
                    let progress = Self.progressLine(task)
                    if progress != last {
                        let elapsed = Int((ContinuousClock.now - start).components.seconds)
                        StandardError.write("[\(elapsed)s] \(progress)\n")
                        last = progress
                    }
                    if task.status?.phase?.isFinished == true { return task }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            if let finished = try await group.next(), let task = finished {
                return task
            }
            throw CLIError(
                "task \(name) did not finish within \(timeout)",
                hint: "it goes on in the cluster; follow it with `kubectl qmysql data \(name)`", status: .timedOut)
        }
    }

    /// `Running: step 2/5 pause-nodes (Running) — stopping demo-1`
    static func progressLine(_ task: QiniuMySQLData) -> String {
        let phase = task.status?.phase?.rawValue ?? "Pending"
        guard let steps = task.status?.steps, !steps.isEmpty else {
            return phase + (task.status?.message.map { ": \($0)" } ?? "")
        }
        let current = steps.lastIndex(where: { $0.state != "Pending" }) ?? 0
        let step = steps[current]
        var line = "\(phase): step \(current + 1)/\(steps.count) \(step.name) (\(step.state))"
        if let message = step.message ?? task.status?.message, !message.isEmpty { line += " — \(message)" }
        return line
    }
}
