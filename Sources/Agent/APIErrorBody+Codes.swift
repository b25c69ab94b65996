import AgentAPI
import Galera

extension APIErrorBody {
    static func badRequest(_ reason: String) -> APIErrorBody {
        APIErrorBody(status: 400, code: "badRequest", reason: reason)
    }

    static func unauthorized() -> APIErrorBody {
        APIErrorBody(status: 401, code: "unauthorized", reason: "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the agent's token")
    }

    static func notFound(_ path: String) -> APIErrorBody {
        APIErrorBody(status: 404, code: "notFound", reason: "no such endpoint: \(path); see docs/agent.md for the API")
    }

    static func conflict(_ code: String, _ reason: String) -> APIErrorBody {
        APIErrorBody(status: 409, code: code, reason: reason)
    }

    static func busy(_ operation: AgentOperation) -> APIErrorBody {
        conflict("busy", "the agent is \(operation.rawValue); try again when it is done (GET /v1/status shows the operation)")
    }

    static func refused(_ refusal: StartRefusal) -> APIErrorBody {
        conflict(refusal.code.rawValue, refusal.reason)
    }

    static func failed(_ code: String, _ reason: String) -> APIErrorBody {
        APIErrorBody(status: 500, code: code, reason: reason)
    }

    static func timeout(_ code: String, _ reason: String) -> APIErrorBody {
        APIErrorBody(status: 504, code: code, reason: reason)
    }
}
