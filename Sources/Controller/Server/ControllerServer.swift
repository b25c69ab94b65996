import AgentAPI
import ControllerAPI
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import RoleNetwork

/// The controller's HTTP endpoints (see docs/controller.md, "Endpoints"):
/// `GET /v1/status` (`?watch=true`: a stream), `GET /v1/actions`, `POST /v1/reports`, `PUT /v1/spec`,
/// `POST /v1/tasks/restart/<node>`, `GET /metrics`, `GET /healthz`.
public enum ControllerServer {
    /// How often a watch stream repeats the latest status when nothing changed: it proves the
    /// connection alive both ways (a dead reader is noticed and its subscription ends).
    static let watchHeartbeat = Duration.seconds(10)

    /// The application serving `controller`. It is a `Service`: run it in a `ServiceGroup` with the
    /// controller. `onListening` receives the bound port (useful when the port is 0).
    public static func application(
        for controller: ClusterController, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let configuration = controller.configuration
        let router = Router(context: BasicRequestContext.self)
        let token = BearerToken(configuration.agentToken)

        router.get(RouterPath(ControllerPaths.status)) { request, _ -> Response in
            switch request.uri.queryParameters.get("watch") {
            case "true", "1":
                return watch(controller.feed)
            case nil, "false", "0":
                return try json(await controller.status())
            case let other?:
                return problem(.badRequest, "badRequest", "watch=\(other) is not true or false")
            }
        }
        router.get(RouterPath(ControllerPaths.actions)) { _, _ -> Response in
            try json(await controller.actions())
        }
        router.get(RouterPath(ControllerPaths.health)) { _, _ -> Response in
            await controller.isHealthy()
                ? text(.ok, "ok\n")
                : text(.serviceUnavailable, "the controller's probe loop has not completed a cycle recently\n")
        }
        router.get(RouterPath(ControllerPaths.metrics)) { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: controller.metrics.render())))
        }
        // A person (or the operator) asks for a node's restart; it waits its turn on the queue.
        router.post(RouterPath(ControllerPaths.Pattern.restart)) { request, context -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else {
                return problem(.unauthorized, "unauthorized", "a task request needs 'Authorization: Bearer <token>' (the agents' token)")
            }
            let node = context.parameters.get("node") ?? ""
            do {
                let queued = try await controller.requestRestart(node: node)
                return queued
                    ? problem(.accepted, "queued", "restart of \(node) queued; GET /v1/actions shows its progress")
                    : problem(.conflict, "alreadyQueued", "a restart of \(node) is already waiting; GET /v1/actions shows the queue's progress")
            } catch {
                return problem(.notFound, "unknownNode", "\(error); the nodes are \(await controller.nodeNames())")
            }
        }

        // The desired state (docs/controller.md): the operator PUTs it whenever the status shows
        // an older observedGeneration; applied in place.
        router.put(RouterPath(ControllerPaths.spec)) { request, _ -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            let spec: ControllerSpec
            do {
                spec = try JSONDecoder().decode(ControllerSpec.self, from: Data(try await request.body.collect(upTo: 1 << 20).readableBytesView))
            } catch {
                return problem(.badRequest, "badRequest", "the body is not a controller spec: \(error)")
            }
            do {
                return try json(try await controller.apply(spec))
            } catch let error as APIErrorBody {
                return problem(HTTPResponse.Status(code: error.status), error.code, error.reason)
            }
        }

        // Data tasks: backups and restores (docs/backup.md). The operator sends one per
        // QiniuMySQLData, named after it; the same name again is the same task.
        router.post(RouterPath(ControllerPaths.dataTasks)) { request, _ -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            let body: DataTaskRequest
            do {
                body = try JSONDecoder().decode(DataTaskRequest.self, from: Data(try await request.body.collect(upTo: 64 << 10).readableBytesView))
            } catch {
                return problem(.badRequest, "badRequest", "the body is not a data task request: \(error)")
            }
            do {
                let (task, created) = try await controller.submit(body)
                return try json(task, status: created ? .created : .ok)
            } catch let error as APIErrorBody {
                return problem(HTTPResponse.Status(code: error.status), error.code, error.reason)
            }
        }
        router.get(RouterPath(ControllerPaths.dataTasks)) { request, _ -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            return try json(await controller.dataTasks())
        }
        router.get(RouterPath(ControllerPaths.Pattern.dataTask)) { request, context -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            let name = context.parameters.get("name") ?? ""
            guard let task = await controller.dataTask(name) else {
                return problem(.notFound, "unknownTask", "no data task \(name) on this controller")
            }
            return try json(task)
        }
        router.post(RouterPath(ControllerPaths.Pattern.approve)) { request, context -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            let name = context.parameters.get("name") ?? ""
            let approval: DataTaskApproval
            do {
                approval = try JSONDecoder().decode(DataTaskApproval.self, from: Data(try await request.body.collect(upTo: 4096).readableBytesView))
            } catch {
                return problem(.badRequest, "badRequest", "the body must be {\"step\": N}: \(error)")
            }
            do {
                return try json(try await controller.approve(name, step: approval.step))
            } catch let error as APIErrorBody {
                return problem(HTTPResponse.Status(code: error.status), error.code, error.reason)
            }
        }
        router.delete(RouterPath(ControllerPaths.Pattern.dataTask)) { request, context -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            do {
                return try json(try await controller.cancel(context.parameters.get("name") ?? ""))
            } catch let error as APIErrorBody {
                return problem(HTTPResponse.Status(code: error.status), error.code, error.reason)
            }
        }
        router.get(RouterPath(ControllerPaths.backups)) { request, _ -> Response in
            guard token.accepts(authorizationHeader: request.headers[.authorization]) else { return unauthorized() }
            return try json(await controller.backupCatalog())
        }

        // Agents push to `/v1/reports` or `/v1/reports/<node>` (the path names the node for logs).
        router.post(RouterPath(ControllerPaths.reports)) { request, _ -> Response in
            await receiveReport(request, pathNode: nil, controller: controller)
        }
        router.post(RouterPath(ControllerPaths.Pattern.report)) { request, context -> Response in
            await receiveReport(request, pathNode: context.parameters.get("node"), controller: controller)
        }

        return Application(
            router: router,
            // A TLS setup that fails stops the controller; it never falls back to plain HTTP.
            server: try configuration.serverTLS.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort),
                                 serverName: "qmysql-controller"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.listenPort) },
            logger: logger)
    }

    static func receiveReport(_ request: Request, pathNode: String?, controller: ClusterController) async -> Response {
        let configuration = controller.configuration
        guard BearerToken(configuration.agentToken).accepts(authorizationHeader: request.headers[.authorization]) else {
            return problem(.unauthorized, "unauthorized", "a report needs 'Authorization: Bearer <agent token>'; check the agent's token matches the controller's --agent-token-file")
        }
        let report: AgentStatus
        do {
            let body = try await request.body.collect(upTo: 1 << 20)
            report = try AgentJSON.decoder().decode(AgentStatus.self, from: Data(body.readableBytesView))
        } catch {
            return problem(.badRequest, "badRequest", "the body is not an agent status report: \(error)")
        }
        guard report.cluster == configuration.clusterName else {
            return problem(.unprocessableContent, "wrongCluster", "this controller manages cluster '\(configuration.clusterName)', the report is from cluster '\(report.cluster)'; check the agent's --controller-url")
        }
        guard await controller.knows(node: report.node) else {
            return problem(.unprocessableContent, "unknownNode", "node '\(report.node)' is not one of \(await controller.nodeNames()); check the agent's --controller-url and the cluster's nodes")
        }
        if let pathNode, pathNode != report.node {
            return problem(.unprocessableContent, "nodeMismatch", "the URL names node '\(pathNode)' but the report is from '\(report.node)'; check the agent's --controller-url")
        }
        _ = await controller.receive(report)
        // The answer carries what the controller asks of the node until its next report.
        let reply = ReportReply(binlog: await controller.binlogKeep(), writer: await controller.writerNode == report.node)
        return (try? json(reply, status: .accepted)) ?? Response(status: .accepted)
    }

    /// The seed's bounded latest-wins queue over HTTP: newline-delimited JSON, one `ClusterStatus`
    /// per line, starting with the latest. Everything between the feed and the socket holds one
    /// entry, so a slow reader gets the newest status when it reads again, never a backlog.
    static func watch(_ feed: StatusFeed<ClusterStatus>) -> Response {
        let (lines, sink) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        @Sendable func line(_ status: ClusterStatus) -> ByteBuffer {
            var buffer = ByteBuffer(bytes: (try? encoder.encode(status)) ?? Data())
            buffer.writeString("\n")
            return buffer
        }
        let forward = Task {
            for await status in feed.subscribe() { sink.yield(line(status)) }
            sink.finish()
        }
        let heartbeat = Task {
            while (try? await Task.sleep(for: watchHeartbeat)) != nil {
                if let latest = feed.latest { sink.yield(line(latest)) }
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                defer {
                    forward.cancel()
                    heartbeat.cancel()
                }
                for await buffer in lines { try await writer.write(buffer) }
                try await writer.finish(nil)
            })
    }

    static func unauthorized() -> Response {
        problem(.unauthorized, "unauthorized", "this request needs 'Authorization: Bearer <token>' (the agents' token)")
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ reason: String) -> Response {
        let body = APIErrorBody(status: Int(status.code), code: code, reason: reason)
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
