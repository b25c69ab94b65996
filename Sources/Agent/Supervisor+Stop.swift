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

    /// On the agent's own shutdown: a graceful stop, so grastate.dat gets its seqno.
    func shutdown() async {
        guard let launch = mysqld else { return }
        if let operation {
            logger.notice("shutting down while \(operation.rawValue); stopping mysqld anyway")
        }
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
