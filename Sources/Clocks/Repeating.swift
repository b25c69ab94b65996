extension RoleClock {
    /// When a repeated piece of work runs first.
    public enum FirstRun: Sendable { case atOnce, afterOneInterval }

    /// Runs `work` again and again, `interval` after each run ends (a fixed pause, not a fixed
    /// rate: a slow run is never followed by a burst), until the task is cancelled. The agent's
    /// wsrep poll and its heartbeat are this loop; on a manual clock a test sees exactly one run
    /// per interval it moves.
    public func repeating(every interval: Duration, first: FirstRun, _ work: () async -> Void) async {
        if first == .afterOneInterval {
            guard (try? await sleep(for: interval)) != nil else { return }
        }
        while !Task.isCancelled {
            await work()
            guard (try? await sleep(for: interval)) != nil else { return }
        }
    }
}
