import AsyncHTTPClient
import Foundation
import Galera
import NIOCore
import NIOHTTP1
import RoleNetwork

/// Calls one agent's HTTP API. The controller, LocalCluster and the tests use it.
public struct AgentClient: Sendable {
    public let baseURL: String
    private let token: String
    private let httpClient: HTTPClient
    /// For calls that wait on mysqld (start with recovery, graceful stop), add this to their own deadline.
    public var requestTimeout: Duration

    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The agent answered with an error body.
        case api(APIErrorBody)
        /// The agent answered something that is not the API's JSON.
        case unexpected(status: Int, body: String, url: String)
        /// The agent could not be reached or did not answer in time.
        case transport(url: String, error: String)

        public var description: String {
            switch self {
            case .api(let body): body.description
            case .unexpected(let status, let body, let url): "\(url): unexpected HTTP \(status): \(body.prefix(200))"
            case .transport(let url, let error): "\(url): agent unreachable: \(error)"
            }
        }

        /// The API's error body, if the agent answered with one.
        public var apiError: APIErrorBody? {
            if case .api(let body) = self { body } else { nil }
        }
    }

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.2:8080`
    ///   - token: the agent's bearer token
    public init(baseURL: String, token: String, httpClient: HTTPClient = .shared, requestTimeout: Duration = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
    }

    public func status() async throws(Failure) -> AgentStatus {
        try await call(.GET, AgentPaths.status, body: Optional<StartRequest>.none)
    }

    /// Starts the node. Recovery and initialisation happen inside this call, so it can take minutes
    /// on a big datadir; the timeout is `requestTimeout + timeout`.
    public func start(_ request: StartRequest, timeout: Duration = .seconds(600)) async throws(Failure) -> AgentStatus {
        try await call(.POST, AgentPaths.start, body: request, timeout: requestTimeout + timeout)
    }

    public func start(_ mode: StartMode, position: GaleraPosition? = nil, force: Bool? = nil) async throws(Failure) -> AgentStatus {
        try await start(StartRequest(mode: mode, position: position, force: force))
    }

    public func stop(_ mode: StopMode = .graceful, timeoutSeconds: Double? = nil) async throws(Failure) -> AgentStatus {
        let wait = Duration.seconds(timeoutSeconds ?? 120)
        return try await call(.POST, AgentPaths.stop, body: StopRequest(mode: mode, timeoutSeconds: timeoutSeconds), timeout: requestTimeout + wait)
    }

    public func recover(timeout: Duration = .seconds(600)) async throws(Failure) -> AgentStatus {
        try await call(.POST, AgentPaths.recover, body: Optional<StartRequest>.none, timeout: requestTimeout + timeout)
    }

    // MARK: Jobs

    /// `POST /v1/start` as a job: answers at once; follow it with `wait(for:timeout:)`.
    public func startJob(_ request: StartRequest) async throws(Failure) -> AgentJob {
        try await call(.POST, AgentPaths.start, body: request, async: true)
    }

    /// `POST /v1/stop` as a job.
    public func stopJob(_ request: StopRequest = StopRequest(mode: .graceful)) async throws(Failure) -> AgentJob {
        try await call(.POST, AgentPaths.stop, body: request, async: true)
    }

    /// `POST /v1/recover` as a job.
    public func recoverJob() async throws(Failure) -> AgentJob {
        try await call(.POST, AgentPaths.recover, body: Optional<StartRequest>.none, async: true)
    }

    /// `GET /v1/jobs/<id>`.
    public func job(_ id: String) async throws(Failure) -> AgentJob {
        try await call(.GET, AgentPaths.job(id), body: Optional<StartRequest>.none)
    }

    /// Follows `job` until it ends: its result when it succeeded, its error (as `.api`) when it
    /// failed, a `WaitTimeout` after `timeout`.
    public func wait(for job: AgentJob, timeout: Duration, interval: Duration = .milliseconds(200)) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + timeout
        var current = job
        while true {
            switch current.phase {
            case .succeeded:
                if let result = current.result { return result }
                throw Failure.unexpected(status: 200, body: "job \(job.id) succeeded without a result", url: baseURL + AgentPaths.job(job.id))
            case .failed:
                throw Failure.api(current.error ?? APIErrorBody(status: 500, code: "jobFailed", reason: "job \(job.id) failed without saying why"))
            case .running:
                guard ContinuousClock.now < deadline else {
                    throw WaitTimeout(url: baseURL + AgentPaths.job(job.id), waitingFor: "done with \(job.kind.rawValue) (\(current.progress ?? "running"))",
                                      timeout: timeout, lastStatus: nil, lastError: nil)
                }
                try await Task.sleep(for: interval)
                current = try await self.job(job.id)
            }
        }
    }

    // MARK: Backups and restore

    /// `POST /v1/backup`: the backup job, running; collect its stream with `collectBackup`.
    public func startBackup() async throws(Failure) -> AgentJob {
        try await call(.POST, AgentPaths.backup, body: Optional<StartRequest>.none)
    }

    /// `GET /v1/jobs/<id>/stream`: the backup's compressed stream, chunk by chunk. A stream that
    /// breaks (the backup failed) throws; a complete one returns its size.
    @discardableResult
    public func collectBackup(_ job: AgentJob, timeout: Duration, _ consume: (ByteBuffer) async throws -> Void) async throws -> Int64 {
        try await download(AgentPaths.jobStream(job.id), timeout: timeout, consume)
    }

    /// `POST /v1/restore/stage`: sends a backup's compressed stream, which the node unpacks and
    /// prepares in its scratch directory. The stream is chunked: a source that fails mid-way
    /// leaves the request incomplete, never a short stream the node would take as whole.
    public func stageRestore(_ stream: ChunkPipe, timeout: Duration) async throws(Failure) -> RestoreStage {
        try await post(stream, to: AgentPaths.restoreStage, timeout: timeout)
    }

    /// POSTs `stream` as the request's body, chunked, and decodes the answer.
    private func post<Result: Decodable>(_ stream: ChunkPipe, to path: String, timeout: Duration) async throws(Failure) -> Result {
        let url = baseURL + path
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(stream.map { ByteBuffer(bytes: $0) }, length: .unknown)
        let status: Int
        let body: Data
        do {
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(timeout))
            body = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
            status = Int(response.status.code)
        } catch {
            await stream.cancel("the request failed: \(error)")
            throw .transport(url: url, error: "\(error)")
        }
        // The node answered: an early refusal (busy, a bad backup) leaves part of the stream
        // unsent, and its producer must not wait for a reader that is gone.
        await stream.cancel("the node answered with HTTP \(status)")
        return try decode(status: status, body: body, url: url)
    }

    /// `POST /v1/restore/apply`: the staged backup into the stopped node's emptied datadir.
    public func applyRestore(timeout: Duration) async throws(Failure) -> AgentStatus {
        try await call(.POST, AgentPaths.restoreApply, body: Optional<StartRequest>.none, timeout: requestTimeout + timeout)
    }

    /// `POST /v1/restore/empty`: the stopped node's datadir emptied, to join by a full SST.
    public func emptyForRejoin() async throws(Failure) -> AgentStatus {
        try await call(.POST, AgentPaths.restoreEmpty, body: Optional<StartRequest>.none, timeout: requestTimeout + .seconds(60))
    }

    /// `DELETE /v1/restore/stage`: forgets a staged backup.
    /// `POST /v1/fence`: ends the node's client connections (the writer moved away from it).
    public func fence() async throws(Failure) -> FenceOutcome {
        try await call(.POST, AgentPaths.fence, body: Optional<StartRequest>.none)
    }

    /// `POST /v1/evict`: this node's Galera evicts the member `uuid` now; answers once its view
    /// dropped it (or the agent's wait ended).
    public func evict(uuid: String) async throws(Failure) -> EvictOutcome {
        try await call(.POST, AgentPaths.evict, body: EvictRequest(uuid: uuid))
    }

    public func discardStage() async throws(Failure) {
        let (status, body) = try await raw(.DELETE, AgentPaths.restoreStage, body: nil)
        guard (200..<300).contains(status) else { throw failure(status: status, body: body, url: baseURL + AgentPaths.restoreStage) }
    }

    // MARK: Binary logs

    /// `GET /v1/binlog`: the node's binary log after transaction `after` (nil: from its oldest
    /// file), followed for `seconds`. `begin` gets the transaction before the stream's first
    /// (what proves the stream continues the caller's), then `consume` the events as they come.
    public func followBinlog(
        after: UInt64?, seconds: Int, begin: (UInt64) async throws -> Void, _ consume: (ByteBuffer) async throws -> Void
    ) async throws {
        var path = AgentPaths.binlog + "?seconds=\(seconds)"
        if let after { path += "&after=\(after)" }
        let url = baseURL + path
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: Self.timeAmount(.seconds(seconds + 30)))
        } catch {
            throw Failure.transport(url: url, error: "\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
            throw failure(status: Int(response.status.code), body: body, url: url)
        }
        guard let previous = response.headers.first(name: AgentPaths.binlogPreviousHeader).flatMap({ UInt64($0) }) else {
            throw Failure.unexpected(status: Int(response.status.code), body: "no \(AgentPaths.binlogPreviousHeader) header", url: url)
        }
        try await begin(previous)
        for try await chunk in response.body { try await consume(chunk) }
    }

    /// `POST /v1/binlog/replay`: a binary log (a file's bytes) whose transactions the running
    /// node runs, those it has not logged yet; answers once they ran.
    public func replayBinlog(_ stream: ChunkPipe, timeout: Duration) async throws(Failure) -> BinlogReplayOutcome {
        try await post(stream, to: AgentPaths.binlogReplay, timeout: timeout)
    }

    // MARK: Streams

    /// `GET /v1/logs/error`: mysqld's error log, handed to `consume` chunk by chunk as it arrives,
    /// never held whole. Returns the number of bytes received.
    @discardableResult
    public func errorLog(timeout: Duration = .seconds(300), _ consume: (ByteBuffer) async throws -> Void) async throws -> Int64 {
        try await download(AgentPaths.errorLog, timeout: timeout, consume)
    }

    /// Streams a response body to `consume`; a non-2xx answer throws its error body.
    public func download(_ path: String, timeout: Duration, _ consume: (ByteBuffer) async throws -> Void) async throws -> Int64 {
        let url = baseURL + path
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: Self.timeAmount(timeout))
        } catch {
            throw Failure.transport(url: url, error: "\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
            if let apiError = try? AgentJSON.decoder().decode(APIErrorBody.self, from: body) { throw Failure.api(apiError) }
            throw Failure.unexpected(status: Int(response.status.code), body: String(decoding: body, as: UTF8.self), url: url)
        }
        var received: Int64 = 0
        for try await chunk in response.body {
            received += Int64(chunk.readableBytes)
            try await consume(chunk)
        }
        return received
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// `GET /readyz`: true when the node is Synced and Primary.
    public func ready() async throws(Failure) -> Bool {
        let (status, _) = try await raw(.GET, AgentPaths.readiness, body: nil, authorized: false, timeout: requestTimeout)
        return status == 200
    }

    /// `GET /livez`: true when the agent answers.
    public func live() async -> Bool {
        (try? await raw(.GET, AgentPaths.liveness, body: nil, authorized: false, timeout: .seconds(2)).status) == 200
    }

    /// `GET /metrics`: the Prometheus exposition text.
    public func metrics() async throws(Failure) -> String {
        let (_, body) = try await raw(.GET, AgentPaths.metrics, body: nil, authorized: false, timeout: requestTimeout)
        return String(decoding: body, as: UTF8.self)
    }

    /// Polls the status until `condition` holds; returns that status. Throws the last failure or a
    /// timeout that shows the last status seen.
    public func wait(
        for description: String, timeout: Duration, interval: Duration = .milliseconds(200),
        until condition: (AgentStatus) -> Bool
    ) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + timeout
        var last: AgentStatus?
        var lastError: Failure?
        while ContinuousClock.now < deadline {
            do {
                let status = try await status()
                last = status
                if condition(status) { return status }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: interval)
        }
        throw WaitTimeout(url: baseURL, waitingFor: description, timeout: timeout, lastStatus: last, lastError: lastError?.description)
    }

    public struct WaitTimeout: Error, CustomStringConvertible {
        public var url: String
        public var waitingFor: String
        public var timeout: Duration
        public var lastStatus: AgentStatus?
        public var lastError: String?

        public var description: String {
            var text = "\(url): not \(waitingFor) within \(timeout)"
            if let lastStatus {
                text += "; last seen \(lastStatus.state.rawValue) (\(lastStatus.stateReason))"
                if let wsrep = lastStatus.wsrep { text += ", wsrep \(wsrep.clusterStatus) \(wsrep.localStateComment) size \(wsrep.clusterSize)" }
                if let operation = lastStatus.operation { text += ", busy \(operation.rawValue)" }
            }
            if let lastError { text += "; last error: \(lastError)" }
            return text
        }
    }

    // MARK: Plumbing

    /// Sends a request with an arbitrary body and headers; the tests use it for malformed input.
    public func raw(
        _ method: HTTPMethod, _ path: String, body: Data?, authorized: Bool = true,
        authorization: String? = nil, timeout: Duration? = nil, headers: [(String, String)] = []
    ) async throws(Failure) -> (status: Int, body: Data) {
        let url = baseURL + path
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        } else if authorized {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let time = timeout ?? requestTimeout
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(time))
            let buffer = try await response.body.collect(upTo: 8 << 20)
            return (Int(response.status.code), Data(buffer.readableBytesView))
        } catch {
            throw .transport(url: url, error: "\(error)")
        }
    }

    private func call<Body: Encodable, Result: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, timeout: Duration? = nil, async: Bool = false
    ) async throws(Failure) -> Result {
        let data: Data?
        do {
            data = try body.map { try AgentJSON.encoder().encode($0) }
        } catch {
            throw .transport(url: baseURL + path, error: "cannot encode the request: \(error)")
        }
        let (status, responseBody) = try await raw(
            method, path, body: data, timeout: timeout, headers: async ? [("Prefer", AgentJob.preferAsync)] : [])
        return try decode(status: status, body: responseBody, url: baseURL + path)
    }

    private func decode<Result: Decodable>(status: Int, body: Data, url: String) throws(Failure) -> Result {
        guard (200..<300).contains(status) else { throw failure(status: status, body: body, url: url) }
        do {
            return try AgentJSON.decoder().decode(Result.self, from: body)
        } catch {
            throw .unexpected(status: status, body: String(decoding: body, as: UTF8.self), url: url)
        }
    }

    /// A non-2xx answer: the API's error body, or what came instead.
    private func failure(status: Int, body: Data, url: String) -> Failure {
        if let apiError = try? AgentJSON.decoder().decode(APIErrorBody.self, from: body) { return .api(apiError) }
        return .unexpected(status: status, body: String(decoding: body, as: UTF8.self), url: url)
    }
}
