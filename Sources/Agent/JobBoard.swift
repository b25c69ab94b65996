import AgentAPI
import Foundation

/// The agent's background jobs: each long operation asked for with `Prefer: respond-async`
/// runs here, and its outcome is kept (the newest `limit`) for `GET /v1/jobs/<id>`. The work
/// itself goes through the supervisor as a synchronous call would, so a job is refused or
/// fails exactly as the call would have.
actor JobBoard {
    private var jobs: [String: AgentJob] = [:]
    private var order: [String] = []
    private var pipes: [String: ChunkPipe] = [:]
    private let limit: Int

    init(limit: Int = 64) { self.limit = limit }

    /// Starts `work` in the background and returns its job, running.
    func submit(_ kind: AgentJob.Kind, work: @escaping @Sendable () async throws(APIErrorBody) -> AgentStatus) -> AgentJob {
        let id = "\(kind.rawValue)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let job = AgentJob(id: id, kind: kind, phase: .running, startedAt: Date())
        jobs[id] = job
        order.append(id)
        trim()
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

    /// Starts a backup: `work` produces the stream into a pipe that `GET /v1/jobs/<id>/stream`
    /// takes (once); the job's `bytes` counts what was handed over.
    func submitBackup(work: @escaping @Sendable (ChunkPipe) async throws(APIErrorBody) -> BackupOutcome) -> AgentJob {
        let id = "\(AgentJob.Kind.backup.rawValue)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let job = AgentJob(id: id, kind: .backup, phase: .running, startedAt: Date())
        let pipe = ChunkPipe()
        jobs[id] = job
        pipes[id] = pipe
        order.append(id)
        trim()
        Task {
            do throws(APIErrorBody) {
                let outcome = try await work(pipe)
                self.finish(id, outcome: outcome)
            } catch {
                await pipe.fail(error)
                self.finish(id, result: nil, error: error)
            }
        }
        return job
    }

    /// The stream of a backup job, for its one reader.
    func stream(_ id: String) -> ChunkPipe? { pipes[id] }

    func job(_ id: String) async -> AgentJob? {
        guard var job = jobs[id] else { return nil }
        if job.phase == .running, let pipe = pipes[id] { job.bytes = await pipe.bytesDelivered }
        return job
    }

    /// Every kept job, oldest first.
    func all() -> [AgentJob] { order.compactMap { jobs[$0] } }

    private func trim() {
        while order.count > limit, let oldest = order.first, jobs[oldest]?.phase != .running {
            order.removeFirst()
            jobs[oldest] = nil
            pipes[oldest] = nil
        }
    }

    private func finish(_ id: String, outcome: BackupOutcome) {
        guard var job = jobs[id] else { return }
        job.phase = .succeeded
        job.finishedAt = Date()
        job.backup = outcome
        job.bytes = outcome.bytes
        jobs[id] = job
        pipes[id] = nil
    }

    private func finish(_ id: String, result: AgentStatus?, error: APIErrorBody?) {
        guard var job = jobs[id] else { return }
        job.phase = error == nil ? .succeeded : .failed
        job.finishedAt = Date()
        job.result = result
        job.error = error
        jobs[id] = job
        pipes[id] = nil
    }
}
