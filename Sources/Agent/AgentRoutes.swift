import AgentAPI
import Foundation
import Galera
import Hummingbird
import NIOCore
import NIOPosix
import RoleNetwork

/// The HTTP API (docs/agent.md). Probes and metrics are open; everything under /v1 needs the
/// bearer token. Every error is a JSON `APIErrorBody`, and a refused request changes nothing.
enum AgentRoutes {
    static let maxBodyBytes = 64 * 1024
    static let preferHeader = HTTPFields.Element.Name("Prefer")!
    static let preferenceAppliedHeader = HTTPFields.Element.Name("Preference-Applied")!

    static func router(
        supervisor: Supervisor, metrics: AgentMetrics, reporter: ControllerReporter?, token: BearerToken,
        jobs: JobBoard = JobBoard(), errorLog: String, threadPool: NIOThreadPool
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())

        router.get(RouterPath(AgentPaths.liveness)) { _, _ in
            // Answers as long as the agent's event loop and its supervisor respond; never looks at
            // mysqld, so an SST or a long recovery never gets the node restarted.
            let status = await supervisor.status()
            return try json(.ok, LivenessBody(alive: true, node: status.node, operation: status.operation, mysqldRunning: status.process.running))
        }
        router.get(RouterPath(AgentPaths.readiness)) { _, _ in
            let status = await supervisor.status()
            return try json(status.ready ? .ok : .serviceUnavailable, ReadinessBody(ready: status.ready, state: status.state, reason: status.stateReason))
        }
        router.get(RouterPath(AgentPaths.metrics)) { _, _ in
            let text = metrics.render(await supervisor.status(), reportsDroppedTotal: reporter?.dropped ?? 0,
                                      certificateExpiry: supervisor.configuration.certificates?.current.notAfter)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        let v1 = router.group().add(middleware: BearerAuthMiddleware(token: token))
        v1.get(RouterPath(AgentPaths.status)) { _, _ in
            try json(.ok, await supervisor.status())
        }
        v1.post(RouterPath(AgentPaths.start)) { request, _ in
            let body = try await decode(StartRequest.self, from: request, emptyDefault: nil)
            return try await answer(request, .start, jobs: jobs) { () throws(APIErrorBody) in try await supervisor.start(body) }
        }
        v1.post(RouterPath(AgentPaths.stop)) { request, _ in
            let body = try await decode(StopRequest.self, from: request, emptyDefault: StopRequest(mode: .graceful))
            if let timeout = body.timeoutSeconds, !(timeout > 0 && timeout <= 3600) {
                throw APIErrorBody.badRequest("timeoutSeconds \(timeout) is out of range: give 0 < timeoutSeconds <= 3600")
            }
            return try await answer(request, .stop, jobs: jobs) { () throws(APIErrorBody) in try await supervisor.stop(body) }
        }
        v1.post(RouterPath(AgentPaths.recover)) { request, _ in
            try await answer(request, .recover, jobs: jobs) { () throws(APIErrorBody) in try await supervisor.recover() }
        }
        v1.post(RouterPath(AgentPaths.fence)) { _, _ in
            try json(.ok, try await supervisor.fence())
        }
        v1.post(RouterPath(AgentPaths.evict)) { request, _ in
            let body = try await decode(EvictRequest.self, from: request, emptyDefault: nil)
            return try json(.ok, try await supervisor.evict(body.uuid))
        }
        v1.get(RouterPath(AgentPaths.jobs)) { _, _ in
            try json(.ok, await jobs.all())
        }
        v1.get(RouterPath(AgentPaths.Pattern.job)) { _, context in
            let id = context.parameters.get("id") ?? ""
            guard var job = await jobs.job(id) else { throw unknownJob(id) }
            if job.phase == .running { job.progress = await supervisor.status().operation?.rawValue }
            return try json(.ok, job)
        }
        // A hot backup is always a job: 202 at once; the stream is collected from
        // /v1/jobs/<id>/stream, and the job's result says what it holds.
        v1.post(RouterPath(AgentPaths.backup)) { _, _ in
            let job = await jobs.submitBackup { (output: ChunkPipe) async throws(APIErrorBody) -> BackupOutcome in
                try await supervisor.backup(into: output)
            }
            var response = try json(.accepted, job)
            response.headers[.location] = AgentPaths.job(job.id)
            return response
        }
        v1.get(RouterPath(AgentPaths.Pattern.jobStream)) { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let stream = await jobs.stream(id) else {
                if await jobs.job(id) != nil {
                    throw APIErrorBody.conflict("streamGone", "job \(id) has no stream to collect: it ended (GET /v1/jobs/\(id) says how)")
                }
                throw unknownJob(id)
            }
            guard await stream.attach() else {
                throw APIErrorBody.conflict("streamTaken", "the stream of job \(id) was collected already; a stream can be read once")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody { writer in
                    do {
                        for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                    } catch {
                        // The reader went away, or the backup failed: either way the response
                        // must end broken (never as a complete, short stream).
                        await stream.cancel("the stream ended: \(error)")
                        throw error
                    }
                    try await writer.finish(nil)
                })
        }
        v1.post(RouterPath(AgentPaths.restoreStage)) { request, _ in
            try json(.ok, try await supervisor.stageRestore(request.body))
        }
        v1.post(RouterPath(AgentPaths.restoreApply)) { _, _ in
            try json(.ok, try await supervisor.applyRestore())
        }
        v1.post(RouterPath(AgentPaths.restoreEmpty)) { _, _ in
            try json(.ok, try await supervisor.emptyForRejoin())
        }
        v1.delete(RouterPath(AgentPaths.restoreStage)) { _, _ in
            await supervisor.discardStage()
            return Response(status: .noContent)
        }
        v1.get(RouterPath(AgentPaths.errorLog)) { _, _ in
            try streamFile(errorLog, threadPool: threadPool)
        }
        v1.get(RouterPath(AgentPaths.binlog)) { request, _ in
            try await followBinlog(request, dataDirectory: supervisor.configuration.dataDirectory, threadPool: threadPool)
        }
        v1.post(RouterPath(AgentPaths.binlogReplay)) { request, _ in
            try json(.ok, try await supervisor.replayBinlog(request.body))
        }
        return router
    }

    static func unknownJob(_ id: String) -> APIErrorBody {
        APIErrorBody(status: 404, code: "unknownJob", reason: "no job \(id) (the agent keeps its newest 64 jobs, and none across its restarts); GET /v1/jobs lists them")
    }

    /// The synchronous answer (200 with the node's status once done), or with
    /// `Prefer: respond-async` a job: 202 at once, `Location: /v1/jobs/<id>`.
    static func answer(
        _ request: Request, _ kind: AgentJob.Kind, jobs: JobBoard,
        _ work: @escaping @Sendable () async throws(APIErrorBody) -> AgentStatus
    ) async throws -> Response {
        let prefer = request.headers[values: preferHeader].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard prefer.contains(AgentJob.preferAsync) else { return try json(.ok, try await work()) }
        let job = await jobs.submit(kind, work: work)
        var response = try json(.accepted, job)
        response.headers[.location] = AgentPaths.job(job.id)
        response.headers[preferenceAppliedHeader] = AgentJob.preferAsync
        return response
    }

    /// Streams a file in 64 KiB chunks: a log of any size never sits in memory whole. The reads
    /// block, so they run on the agent's thread pool, never on the cooperative pool.
    static func streamFile(_ path: String, threadPool: NIOThreadPool) throws -> Response {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw APIErrorBody(status: 404, code: "noLog", reason: "\(path) does not exist yet (mysqld has not run on this node)")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody { writer in
                defer { try? handle.close() }
                while true {
                    let chunk = try await threadPool.runIfActive { try handle.read(upToCount: 64 << 10) ?? Data() }
                    if chunk.isEmpty { break }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
    }

    static let binlogPreviousHeader = HTTPFields.Element.Name(AgentPaths.binlogPreviousHeader)!

    /// `GET /v1/binlog?after=SEQ&seconds=S`: the binary log after transaction SEQ (absent: from
    /// the oldest file), followed as it is written for S seconds (default 600, at most 3600),
    /// then ended cleanly; the caller asks again after the last transaction it got. A heartbeat
    /// event every second the log is idle. 410 when this node's log no longer reaches back to
    /// SEQ, 409 when it does not hold SEQ (or not yet): another node may.
    static func followBinlog(_ request: Request, dataDirectory: String, threadPool: NIOThreadPool) async throws -> Response {
        let query = request.uri.queryParameters
        var after: UInt64?
        if let text = query.get("after") {
            guard let value = UInt64(text) else { throw APIErrorBody.badRequest("after=\(text) is not a transaction's sequence number") }
            after = value
        }
        var seconds = 600.0
        if let text = query.get("seconds") {
            guard let value = Double(text), value > 0, value <= 3600 else { throw APIErrorBody.badRequest("seconds=\(text) is out of range: give 0 < seconds <= 3600") }
            seconds = value
        }
        let follower = BinlogFollower(dataDirectory: dataDirectory)
        let (start, duration) = (after, Duration.seconds(seconds))
        try await threadPool.runIfActive { try follower.seek(after: start) }
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        headers[binlogPreviousHeader] = String(follower.previous)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let clock = ContinuousClock()
                let deadline = clock.now + duration
                var lastBeat = clock.now - .seconds(1)
                while clock.now < deadline {
                    if let bytes = try await threadPool.runIfActive({ try follower.next() }) {
                        try await writer.write(ByteBuffer(bytes: bytes))
                        continue
                    }
                    // At the end of the log: everything written before now was sent.
                    if clock.now - lastBeat >= .seconds(1) {
                        lastBeat = clock.now
                        try await writer.write(ByteBuffer(bytes: follower.heartbeat(now: Date())))
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await writer.finish(nil)
            })
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let data = try AgentJSON.encoder().encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a JSON body; malformed or unexpected input is a 400 that says what is wrong.
    static func decode<T: APIRequestBody>(_ type: T.Type, from request: Request, emptyDefault: T?) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIErrorBody(status: 413, code: "bodyTooLarge", reason: "the request body is larger than \(maxBodyBytes) bytes")
        }
        let bytes = Data(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            if let emptyDefault { return emptyDefault }
            throw APIErrorBody.badRequest("the request needs a JSON body, e.g. {\"mode\": \"join\"}")
        }
        do {
            return try AgentJSON.decoder().decode(T.self, from: bytes)
        } catch let error as DecodingError {
            var reason = "malformed \(T.self): \(describe(error))"
            if case .dataCorrupted(let context) = error, let key = context.codingPath.last?.stringValue, let hint = T.fieldHints[key] {
                reason += " (\(key) is one of \(hint))"
            }
            throw APIErrorBody.badRequest(reason)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "body" : "field '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

struct LivenessBody: Codable, Sendable {
    var alive: Bool
    var node: String
    var operation: AgentOperation?
    var mysqldRunning: Bool
}

struct ReadinessBody: Codable, Sendable {
    var ready: Bool
    var state: NodeState
    var reason: String
}

/// Rejects requests without the right bearer token with 401, before they reach a handler.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: BearerToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard token.accepts(authorizationHeader: request.headers[.authorization]) else {
            throw APIErrorBody.unauthorized()
        }
        return try await next(request, context)
    }
}

/// Turns every error into a JSON body: ours as they are, Hummingbird's with their status, and
/// anything else as a 500 that names the error.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIErrorBody {
            return try Self.response(error)
        } catch let error as HTTPError {
            let body = error.status == .notFound
                ? APIErrorBody.notFound("\(request.method) \(request.uri.path)")
                : APIErrorBody(status: error.status.code, code: "http\(error.status.code)", reason: error.body ?? error.status.reasonPhrase)
            return try Self.response(body)
        } catch {
            return try Self.response(.failed("internal", "\(error)"))
        }
    }

    static func response(_ body: APIErrorBody) throws -> Response {
        try AgentRoutes.json(HTTPResponse.Status(code: body.status), body)
    }
}

/// A request body, with the allowed values of its enumerated fields for 400 messages.
protocol APIRequestBody: Decodable {
    static var fieldHints: [String: String] { get }
}

extension StartRequest: APIRequestBody {
    static var fieldHints: [String: String] {
        ["mode": StartMode.allCases.map(\.rawValue).joined(separator: ", "), "position": "UUID:SEQNO"]
    }
}

extension StopRequest: APIRequestBody {
    static var fieldHints: [String: String] {
        ["mode": StopMode.allCases.map(\.rawValue).joined(separator: ", ")]
    }
}

extension EvictRequest: APIRequestBody {
    static var fieldHints: [String: String] { ["uuid": "a gcomm UUID, 8-4-4-4-12 hex digits"] }
}
