import AgentAPI
import Foundation
import Galera
import KubeAPI

/// Acting on a fault: one step per task, decided again on fresh observations when the task runs.
extension ClusterController {
    func recoveryTask() -> ClusterTask {
        ClusterTask(kind: .faultRecovery, summary: "next recovery step", deadline: configuration.recoveryStepDeadline) {
            try await self.performRecoveryStep()
        }
    }

    func taskFinished(_ finished: TaskQueue.Finished) async {
        metrics.recordQueueDepth(await queue.depth)
        if finished.kind == .faultRecovery {
            let policy = RetryState.Policy(
                backoff: configuration.retryBackoff, limit: configuration.retryBackoffLimit,
                escalateAfter: configuration.escalateAfterFailures, escalatedInterval: configuration.escalatedRetryInterval)
            if let wait = retries.taskEnded(succeeded: finished.result.isSuccess, policy: policy, now: clock.now, wallNow: wallClock()) {
                logger.warning("recovery step failed; the next one waits \(wait)", metadata: ["failures in a row": "\(retries.inARow)"])
            }
        }
        // Observe again at once: the next step, if any, should not wait for the next probe round.
        await evaluate(origin: "task finished")
    }

    /// Observe, decide again on fresh observations, perform that one step, wait for its effect.
    func performRecoveryStep() async throws -> String {
        await probeAll()
        let snapshot = await observe()
        let plan = FaultDecision.decide(snapshot)
        guard case .step(let step) = plan else {
            return "nothing to do after observing again: \(plan)"
        }
        guard desired.autoRecovery || step.fault == .pausing else { return "automatic recovery is off" }
        let id = history.start(task: .faultRecovery, fault: step.fault, verb: step.action.verb, node: step.action.node,
                               detail: step.action.description, reason: step.reason, at: wallClock())
        var log = logger
        log[metadataKey: "node"] = "\(step.action.node)"
        log[metadataKey: "task"] = "fault-recovery"
        log.notice("performing: \(step.action)", metadata: ["fault": "\(step.fault.rawValue)", "reason": "\(step.reason)"])
        let began = clock.now
        do {
            let launchesBefore = await table.report(of: step.action.node)?.process.launches ?? 0
            let answer = try await access.perform(step.action)
            await table.offer(answer, at: clock.now)
            let result = try await waitForEffect(of: step.action, launchesBefore: launchesBefore, since: began)
            history.finish(id, outcome: .succeeded(result), at: wallClock())
            metrics.recordRecoveryStep(step.fault, succeeded: true)
            retries.stepSucceeded(step.action)
            log.notice("done: \(result)")
            return result
        } catch {
            let message = error is CancellationError ? "cancelled (deadline or shutdown)" : "\(error)"
            history.finish(id, outcome: .failed(message), at: wallClock())
            metrics.recordRecoveryStep(step.fault, succeeded: false)
            let entry = retries.stepFailed(step.action, error: message, at: wallClock(), instant: clock.now)
            log.error("failed: \(step.action): \(message)", metadata: ["failures of this step": "\(entry.count)"])
            throw error
        }
    }

    /// Polls the node until the action's effect shows, or fails when the node shows it will not.
    /// The time reported is the whole step's, from `since` (the agent's start call can take most
    /// of a join: a step of 31 s once said "after 0.21 seconds").
    func waitForEffect(of action: RecoveryAction, launchesBefore: Int, since started: ContinuousClock.Instant) async throws -> String {
        let name = action.node
        while true {
            try Task.checkCancellation()
            await probe(node: name)
            let snapshot = await observe()
            guard let node = snapshot.node(named: name) else { throw ControllerError.unknownNode(name) }
            let report = await table.report(of: name)
            let elapsed = (clock.now - started).readable
            switch action {
            case .recoverPosition:
                if let position = node.recoveredPosition { return "\(name) recovered position \(position)" }
                if node.role != .stopped && node.role != .unknown {
                    throw ControllerError.effectNotSeen(action: "\(action)", why: "\(node.summary) instead of staying stopped")
                }
            case .join, .bootstrap, .bootstrapNew:
                if node.state == .green { return "\(name) Synced in the Primary component after \(elapsed)" }
                // A transfer that cannot finish ends the step now rather than at its deadline:
                // the next evaluation stops the joiner (the stalled-transfer rule).
                if case .step(let stalled)? = FaultDecision.stalledTransfer(snapshot), stalled.action.node == name {
                    throw ControllerError.effectNotSeen(action: "\(action)", why: stalled.reason)
                }
                if node.role == .stopped, let report, report.process.launches > launchesBefore {
                    let exit = report.lastExit?.description ?? "stopped"
                    throw ControllerError.effectNotSeen(action: "\(action)", why: "mysqld on \(name) \(exit) (see the node's error log)")
                }
            case .stop, .halt:
                if node.role == .stopped { return "\(name) stopped after \(elapsed)" }
            case .bootstrapSurvivor:
                if case .primary = node.role { return "\(name) is Primary after \(elapsed)" }
                if node.role == .stopped {
                    throw ControllerError.effectNotSeen(action: "\(action)", why: "\(node.summary)")
                }
            }
            try await clock.sleep(for: configuration.effectPollInterval)
        }
    }
}
