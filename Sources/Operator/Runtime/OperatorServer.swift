import Hummingbird
import Logging
import NIOCore

/// The operator's HTTP endpoints: `/healthz` (the process answers), `/readyz` (CRDs ensured and,
/// when leading, caches synced; a standby is ready too, so a rollout is not blocked by the
/// election), `/metrics` (Prometheus text). No secrets, no cluster data.
public enum OperatorServer {
    public static func application(for qmysqlOperator: QMySQLOperator, host: String, port: Int, logger: Logger)
        -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.get(RouterPath(OperatorPaths.health)) { _, _ in text(.ok, "ok\n") }
        router.get(RouterPath(OperatorPaths.readiness)) { _, _ in
            qmysqlOperator.isReady ? text(.ok, "ok\n") : text(.serviceUnavailable, "CRDs or caches not ready yet\n")
        }
        router.get(RouterPath(OperatorPaths.metrics)) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: qmysqlOperator.metricsText())))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
