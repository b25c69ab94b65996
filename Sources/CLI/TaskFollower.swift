import Foundation
import Galera
import KubeAPI
import KubeClient
import QiniuAPI

/// Follows one QiniuMySQLData task by watching it, printing a line to standard error whenever
/// its phase or a step changes, until it succeeds or fails. The watch resumes by itself after
/// dropped connections, so a long restore survives a flaky network.
struct TaskFollower {
    var session: KubeSession
    var timeout: Duration
    /// What the bytes will probably reach when the task does not say (a backup: the last one's size).
    var expectedBytes: Int64?

    /// Follows until the task is finished, or until `until` holds (the wizard: a step is done).
    /// `shown`: the progress line already on the screen (not printed again).
    func follow(name: String, shown: String? = nil, until: @escaping @Sendable (QiniuMySQLData) -> Bool = { _ in false }) async throws -> QiniuMySQLData {
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: QiniuMySQLData?.self) { group in
            group.addTask {
                var last = shown ?? ""
                var meter = ByteMeter()
                let terminal = isatty(STDERR_FILENO) == 1
                var drawn = false
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
                    let bytes = task.status?.phase == .running ? meter.text(task.status?.bytes, total: task.status?.backup?.size ?? expectedBytes) : nil
                    let elapsed = Int((ContinuousClock.now - start).components.seconds)
                    if terminal, let bytes {
                        // One line redrawn in place while bytes flow.
                        StandardError.write("\r\u{1B}[K[\(elapsed)s] \(progress) \(bytes)")
                        drawn = true
                    } else if progress + (bytes ?? "") != last {
                        if drawn { StandardError.write("\n") }
                        drawn = false
                        StandardError.write("[\(elapsed)s] \(progress)\(bytes.map { " \($0)" } ?? "")\n")
                    }
                    last = progress + (bytes ?? "")
                    if task.status?.phase?.isFinished == true || until(task) {
                        if drawn { StandardError.write("\n") }
                        return task
                    }
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
        let current = steps.lastIndex(where: { $0.state != .pending }) ?? 0
        let step = steps[current]
        // A restore numbers its steps 0 (verify) to 5, as the procedure does.
        let number = step.number ?? current + 1
        let last = steps.last?.number ?? steps.count
        var line = "\(phase): step \(number)/\(last) \(step.name) (\(step.state.rawValue))"
        if let message = step.message ?? task.status?.message, !message.isEmpty { line += " — \(message)" }
        return line
    }
}

/// Bytes so far and the rate since they started to flow: `45.2 MiB at 12.1 MiB/s`, with a bar
/// when the total is known (a restore streams a backup of known size).
struct ByteMeter {
    private var first: (at: ContinuousClock.Instant, bytes: Int64)?

    mutating func text(_ bytes: Int64?, total: Int64?) -> String? {
        guard let bytes, bytes > 0 else { return nil }
        let now = ContinuousClock.now
        if first == nil { first = (now, bytes) }
        var text = ByteCount.short(bytes)
        if let first, bytes > first.bytes {
            let seconds = (now - first.at).inSeconds
            if seconds > 0 { text += " at \(ByteCount.short(Int64(Double(bytes - first.bytes) / seconds)))/s" }
        }
        if let total, total > 0 {
            // An estimate can be passed: the bar stays full and the text says "about".
            let filled = Int(min(1, Double(bytes) / Double(total)) * 20)
            text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] " + text
                + " of \(bytes > total ? "about " : "")\(ByteCount.short(total))"
        }
        return text
    }
}
