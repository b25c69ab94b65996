import AgentAPI
import Foundation

/// The agent's background jobs: each long operation asked for with `Prefer: respond-async`
/// runs here, and its outcome is kept (the newest `limit`) for `GET /v1/jobs/<id>`. The work
/// itself goes through the supervisor as a synchronous call would, so a job is refused or
/// fails exactly as the call would have.
actor JobBoard {
    private var jobs: [String: AgentJob] = [:]
    private var order: [String] = []
    private let limit: Int

    init(limit: Int = 64) { self.limit = limit }

    /// Starts `work` in the background and returns its job, running.
    func submit(_ kind: AgentJob.Kind, work: @escaping @Sendable () async throws(APIErrorBody) -> AgentStatus) -> AgentJob {
        let id = "\(kind.rawValue)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let job = AgentJob(id: id, kind: kind, phase: .running, startedAt: Date())
        jobs[id] = job
        order.append(id)
        while order.count > limit, let oldest = order.first, jobs[oldest]?.phase != .running {
            order.removeFirst()
            jobs[oldest] = nil
        }
        Task {
            do throws(APIErrorBody) {
                let status = try await work()
                self.finish(id, result: status, error: nil)
            } catch {
                self.finish(id, result: nil, error: error)
            }
        }
        return job
    }

    func job(_ id: String) -> AgentJob? { jobs[id] }

    /// Every kept job, oldest first.
    func all() -> [AgentJob] { order.compactMap { jobs[$0] } }

    private func finish(_ id: String, result: AgentStatus?, error: APIErrorBody?) {
        guard var job = jobs[id] else { return }
        job.phase = error == nil ? .succeeded : .failed
        job.finishedAt = Date()
        job.result = result
        job.error = error
        jobs[id] = job
    }
}
