import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import KubeClient

/// How low-level errors are sorted into causes a person understands.
@Suite struct TransportFailureTests {
    @Test func hostnameValidationFailureSuggestsTLSServerName() {
        let cause = TransportFailure.cause(of: NIOSSLExtraError.failedToValidateHostname, host: "10.0.0.1")
        guard case .hostnameMismatch = cause else { Issue.record("got \(cause)"); return }
        let failure = TransportFailure(cause: cause, request: nil, identity: ConnectionIdentity(server: "https://10.0.0.1:6443"))
        #expect(failure.description.contains("not valid for this host name"))
        #expect(failure.description.contains("tls-server-name"))
    }

    @Test func socketErrorsByErrno() {
        #expect(TransportFailure.cause(of: IOError(errnoCode: ECONNREFUSED, reason: "connect"), host: "h") == .connectionRefused)
        #expect(TransportFailure.cause(of: IOError(errnoCode: ECONNRESET, reason: "read"), host: "h") == .connectionClosed)
        #expect(TransportFailure.cause(of: ChannelError.connectTimeout(.seconds(1)), host: "h") == .connectTimeout)
    }
}
