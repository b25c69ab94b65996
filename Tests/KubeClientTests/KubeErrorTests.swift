import Foundation
import KubeAPI
import Testing
@testable import KubeClient

@Suite struct KubeErrorTests {
    static let qiniumysqls = ResourceType(group: "mysql.qiniu.com", version: "v1alpha1", plural: "qiniumysqls", kind: "QiniuMySQL", namespaced: true)
    static let identity = ConnectionIdentity(server: "https://127.0.0.1:6443", userName: "alice", contextName: "dev",
                                             credentialOrigin: "/home/alice/.kube/config")

    static func request(_ verb: String, name: String? = "demo", method: String = "GET") -> RequestDescription {
        RequestDescription(verb: verb, resource: qiniumysqls, namespace: "rds", name: name, method: method,
                           path: qiniumysqls.path(namespace: "rds", name: name))
    }

    static func body(_ status: Status) -> Data { try! JSONEncoder().encode(status) }

    @Test func notFoundObjectVersusUnservedResource() {
        let object = KubeError.from(
            code: 404, body: Self.body(Status(message: "qiniumysqls.mysql.qiniu.com \"demo\" not found", reason: .notFound,
                                              details: StatusDetails(name: "demo", group: "mysql.qiniu.com", kind: "qiniumysqls"), code: 404)),
            request: Self.request("get"), identity: Self.identity)
        #expect(object.isNotFound)
        #expect(object.description == "qiniumysqls.mysql.qiniu.com \"demo\" not found in namespace \"rds\"")

        let unserved = KubeError.from(
            code: 404, body: Self.body(Status(message: "the server could not find the requested resource", reason: .notFound, details: StatusDetails(), code: 404)),
            request: Self.request("get"), identity: Self.identity)
        guard case .resourceNotServed(let failure) = unserved else { Issue.record("expected resourceNotServed, got \(unserved)"); return }
        #expect(failure.request.resource == Self.qiniumysqls)
        #expect(unserved.description == "the server https://127.0.0.1:6443 does not serve qiniumysqls.mysql.qiniu.com (mysql.qiniu.com/v1alpha1); is its CustomResourceDefinition installed?")

        // A plain-text 404 from something that is not an API server path.
        let plain = KubeError.from(code: 404, body: Data("404 page not found".utf8), request: Self.request("list", name: nil), identity: Self.identity)
        guard case .resourceNotServed = plain else { Issue.record("expected resourceNotServed, got \(plain)"); return }
    }

    @Test(arguments: [
        (409, StatusReason.alreadyExists, "alreadyExists"),
        (409, StatusReason.conflict, "conflict"),
        (422, StatusReason.invalid, "invalid"),
        (403, StatusReason.forbidden, "forbidden"),
        (401, StatusReason.unauthorized, "unauthorized"),
        (410, StatusReason.gone, "gone"),
        (504, StatusReason.timeout, "timeout"),
        (400, StatusReason.badRequest, "badRequest"),
        (500, StatusReason.internalError, "other"),
        (429, StatusReason.tooManyRequests, "other"),
    ])
    func statusReasonsMapToCases(code: Int, reason: StatusReason, expected: String) {
        let error = KubeError.from(code: code, body: Self.body(Status(message: "m", reason: reason, code: code)),
                                   request: Self.request("update", method: "PUT"), identity: Self.identity)
        #expect(Self.caseName(error) == expected, "\(error)")
        #expect(error.code == code)
        #expect(error.isTransient == (code >= 500 || code == 429))
    }

    static func caseName(_ error: KubeError) -> String {
        switch error {
        case .notFound: "notFound"
        case .resourceNotServed: "resourceNotServed"
        case .alreadyExists: "alreadyExists"
        case .conflict: "conflict"
        case .invalid: "invalid"
        case .forbidden: "forbidden"
        case .unauthorized: "unauthorized"
        case .gone: "gone"
        case .timeout: "timeout"
        case .badRequest: "badRequest"
        case .other: "other"
        default: "non-API"
        }
    }

    @Test func errorEventOfAWatchWithCode410IsGone() {
        let error = KubeError.from(code: 410, body: Self.body(Status(message: "too old resource version: 5 (90)", reason: "Expired", code: 410)),
                                   request: Self.request("watch", name: nil), identity: Self.identity)
        #expect(error.isGone)
    }

    @Test func unauthorizedNamesServerUserAndFile() {
        let error = KubeError.from(code: 401, body: Self.body(Status(message: "Unauthorized", reason: .unauthorized, code: 401)),
                                   request: Self.request("get"), identity: Self.identity)
        #expect(error.description.hasPrefix(
            "the server https://127.0.0.1:6443 rejected the credentials of user \"alice\" (context \"dev\", /home/alice/.kube/config): Unauthorized"))
    }

    @Test func forbiddenNamesVerbResourceNamespaceAndUser() {
        let message = "qiniumysqls.mysql.qiniu.com \"demo\" is forbidden: User \"alice\" cannot delete resource \"qiniumysqls\""
        let error = KubeError.from(code: 403, body: Self.body(Status(message: message, reason: .forbidden, code: 403)),
                                   request: Self.request("delete", method: "DELETE"), identity: Self.identity)
        #expect(error.description.hasPrefix(
            "forbidden: user \"alice\" (context \"dev\", /home/alice/.kube/config) may not delete qiniumysqls.mysql.qiniu.com \"demo\" in namespace \"rds\": \(message)"))
        #expect(error.description.contains("grant `delete` on qiniumysqls.mysql.qiniu.com"))
    }

    @Test func invalidListsCausesTheMessageLacks() {
        let status = Status(message: "QiniuMySQL.mysql.qiniu.com \"demo\" is invalid: spec.replicas: Invalid value: 2: must be 3",
                            reason: .invalid,
                            details: StatusDetails(name: "demo", causes: [
                                StatusCause(reason: "FieldValueInvalid", message: "Invalid value: 2: must be 3", field: "spec.replicas"),
                                StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.image"),
                            ]), code: 422)
        let error = KubeError.from(code: 422, body: Self.body(status), request: Self.request("create", name: nil, method: "POST"), identity: Self.identity)
        guard case .invalid(let failure) = error else { Issue.record("expected invalid"); return }
        #expect(failure.causes.map(\.field) == ["spec.replicas", "spec.image"])
        #expect(error.description.hasSuffix("must be 3\n  spec.image: Required value"))
    }

    @Test func aNonStatusBodyBecomesTheMessage() {
        let error = KubeError.from(code: 502, body: Data("<html>Bad Gateway</html>".utf8), request: Self.request("get"), identity: Self.identity)
        #expect(error.status?.message == "<html>Bad Gateway</html>")
        #expect(error.description == "the server https://127.0.0.1:6443 answered 502 to get qiniumysqls.mysql.qiniu.com \"demo\" in namespace \"rds\": <html>Bad Gateway</html>")
        #expect(error.isTransient)
    }

    @Test func transportFailuresGiveHints() {
        let refused = TransportFailure(cause: .connectionRefused, request: nil, identity: Self.identity)
        #expect(refused.description == "cannot reach the Kubernetes API server at https://127.0.0.1:6443 (context \"dev\"): connection refused. Is the server running, and is the address in the kubeconfig right?")
        var identity = Self.identity
        identity.trustOrigin = "certificate-authority /x/ca.crt of cluster \"dev\""
        let untrusted = TransportFailure(cause: .certificateNotTrusted("CERTIFICATE_VERIFY_FAILED"), request: nil, identity: identity)
        #expect(untrusted.description.contains("not signed by the certificate authority from certificate-authority /x/ca.crt of cluster \"dev\""))
        let timeout = TransportFailure(cause: .requestTimeout(.seconds(2)), request: Self.request("get"), identity: identity)
        #expect(timeout.description.contains("did not answer to get qiniumysqls.mysql.qiniu.com \"demo\" in namespace \"rds\" within 2.0 seconds"))
    }
}
