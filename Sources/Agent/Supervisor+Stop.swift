import AgentAPI
import Foundation
import Galera

extension Supervisor {
    /// Stops mysqld: SIGTERM and a deadline, or SIGKILL to its whole process group.
    func stop(_ request: StopRequest) async throws(APIErrorBody) -> AgentStatus {
        if let operation { throw .busy(operation) }
        guard let launch = mysqld else {
            throw .conflict("notRunning", "mysqld is not running: nothing to stop (state \(status().state.rawValue))")
        }
        try await exclusively(.stopping) { () throws(APIErrorBody) in
            let exit: ProcessExit
            switch request.mode {
            case .graceful:
                await drainIfWriter()
                let timeout = request.timeoutSeconds.map { Duration.milliseconds(Int64($0 * 1000)) } ?? configuration.stopTimeout
                logger.notice("stopping mysqld gracefully (SIGTERM)", metadata: ["pid": "\(launch.child.pid)", "deadline": "\(timeout)"])
                launch.child.signal(SIGTERM)
                guard let exited = await launch.child.wait(timeout: timeout) else {
                    throw .timeout("stopTimeout", "mysqld pid \(launch.child.pid) did not exit within \(timeout) of SIGTERM and is still shutting down; wait, or stop it with mode kill")
                }
                exit = exited
            case .kill:
                logger.notice("killing mysqld (SIGKILL to its process group)", metadata: ["pid": "\(launch.child.pid)"])
                launch.child.signalGroup(SIGKILL)
                exit = await launch.child.wait()
            }
            await processExited(launch.child, exit)
        }
        return status()
    }

    /// A mysqld that an earlier agent started on this datadir still runs (that agent was killed or
    /// crashed; this one is its replacement). This agent cannot supervise a process it did not
    /// start, so it ends in a true state instead: it stops that mysqld gracefully (grastate.dat
    /// gets its seqno), then reports the node Red-clean like any stopped node, and the controller
    /// rejoins it by IST. While it waits its operation is `stopping`, so the controller waits too.
    /// Bounded by the stop deadline; past it the server is killed (its position is then recovered).
    func stopStrayServer() async {
        guard mysqld == nil, operation == nil, let pid = files.strayServerPID() else { return }
        operation = .stopping
        reportIfChanged()
        defer {
            operation = nil
            reportIfChanged(force: true)
        }
        logger.warning("a mysqld started by an earlier agent still runs on this datadir; stopping it gracefully so this agent starts from a true state",
                       metadata: ["pid": "\(pid)", "deadline": "\(configuration.stopTimeout)"])
        Glibc.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + configuration.stopTimeout
        while Glibc.kill(pid, 0) == 0 || errno == EPERM {
            guard ContinuousClock.now < deadline else {
                logger.error("the earlier agent's mysqld did not stop within \(configuration.stopTimeout); killing it", metadata: ["pid": "\(pid)"])
                Glibc.kill(-pid, SIGKILL)
                Glibc.kill(pid, SIGKILL)
                try? await Task.sleep(for: .milliseconds(500))
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.notice("the earlier agent's mysqld has stopped", metadata: ["pid": "\(pid)"])
    }

    /// On the agent's own shutdown: a graceful stop, so grastate.dat gets its seqno.
    func shutdown() async {
        if let operation {
            logger.notice("shutting down while \(operation.rawValue); stopping mysqld anyway")
        }
        // From here on every mutating request is refused (409 busy: terminating), and the
        // controller sees the node terminating, so nothing starts mysqld again behind our back.
        operation = .terminating
        reportIfChanged()
        guard let launch = mysqld else { return }
        await drainIfWriter()
        logger.notice("agent shutting down: stopping mysqld gracefully", metadata: ["pid": "\(launch.child.pid)"])
        launch.child.signal(SIGTERM)
        if let exit = await launch.child.wait(timeout: configuration.stopTimeout) {
            await processExited(launch.child, exit)
        } else {
            logger.error("mysqld did not stop within \(configuration.stopTimeout); killing it")
            launch.child.signalGroup(SIGKILL)
            await processExited(launch.child, await launch.child.wait())
        }
    }
}
