import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The server could not be reached, or the connection broke before an answer: the server
/// address, the cause, and a hint at what to check.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable, Hashable {
        case connectionRefused
        case hostNotFound(String)
        case connectTimeout
        /// The server's certificate is not signed by a trusted CA.
        case certificateNotTrusted(String)
        /// The certificate is trusted but issued for another name.
        case hostnameMismatch(String)
        /// The server refused our client certificate (or wanted one).
        case clientCertificateRejected(String)
        /// The address answers, but not with TLS.
        case notTLS
        case tlsFailure(String)
        case requestTimeout(Duration)
        case connectionClosed
        case other(String)
    }

    public var cause: Cause
    public var request: RequestDescription?
    public var identity: ConnectionIdentity

    /// False for problems of configuration (a wrong CA, name or port) that no retry will cure.
    public var isTransient: Bool {
        switch cause {
        case .certificateNotTrusted, .hostnameMismatch, .clientCertificateRejected, .notTLS: false
        default: true
        }
    }

    public var description: String {
        let target = "the Kubernetes API server at \(identity.server)" + (identity.contextName.map { " (context \"\($0)\")" } ?? "")
        let action = request.map { " to \($0)" } ?? ""
        switch cause {
        case .connectionRefused:
            return "cannot reach \(target): connection refused. Is the server running, and is the address in the kubeconfig right?"
        case .hostNotFound(let host):
            return "cannot reach \(target): the host name \"\(host)\" does not resolve. Check the server address and your DNS."
        case .connectTimeout:
            return "cannot reach \(target): connecting timed out. Is the address right, and is a firewall or VPN in the way?"
        case .certificateNotTrusted(let detail):
            let ca = identity.trustOrigin.map { "the certificate authority from \($0)" } ?? "the system's trusted certificate authorities"
            return "cannot reach \(target): TLS verification failed, the server's certificate is not signed by \(ca) (\(detail)). "
                + "Make certificate-authority(-data) in the kubeconfig match this server; a server that was re-created has a new CA."
        case .hostnameMismatch(let detail):
            return "cannot reach \(target): TLS verification failed, the server's certificate is not valid for this host name (\(detail)). "
                + "Use the name the certificate was issued for, or set tls-server-name in the cluster entry."
        case .clientCertificateRejected(let detail):
            return "\(target) refused the TLS client certificate of \(identity.userPhrase) (\(detail)). "
                + "The certificate may be expired or issued by a CA this server does not trust."
        case .notTLS:
            return "cannot reach \(target): it does not speak TLS. Is this the right port, or should the server URL start with http://?"
        case .tlsFailure(let detail):
            return "cannot reach \(target): the TLS handshake failed (\(detail))."
        case .requestTimeout(let timeout):
            return "\(target) did not answer\(action) within \(timeout) (--request-timeout)."
        case .connectionClosed:
            return "\(target) closed the connection\(action) before answering."
        case .other(let detail):
            return "cannot talk to \(target)\(action): \(detail)"
        }
    }

    /// Sorts a NIO / AsyncHTTPClient / NIOSSL error into a cause a person understands.
    static func cause(of error: Error, host: String) -> Cause {
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return .hostNotFound(connection.host)
            }
            if let first = connection.connectionErrors.first?.error { return cause(of: first, host: host) }
            return .other("\(connection)")
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return .connectionRefused
            case ETIMEDOUT: return .connectTimeout
            case ECONNRESET, EPIPE: return .connectionClosed
            default: return .other("\(io)")
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return .connectTimeout }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return .connectTimeout
            case .remoteConnectionClosed: return .connectionClosed
            case .tlsHandshakeTimeout: return .tlsFailure("handshake timed out")
            default: return .other("\(client)")
            }
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .hostnameMismatch("\(extra)")
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            let text = "\(error)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return text.lowercased().contains("hostname") ? .hostnameMismatch(text) : .certificateNotTrusted(Self.shorten(text))
            }
            if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") { return .notTLS }
            if text.contains("ALERT_BAD_CERTIFICATE") || text.contains("ALERT_UNKNOWN_CA") || text.contains("CERTIFICATE_REQUIRED")
                || text.contains("ALERT_CERTIFICATE_EXPIRED") || text.contains("ALERT_HANDSHAKE_FAILURE") {
                return .clientCertificateRejected(Self.shorten(text))
            }
            if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl { return .connectionClosed }
            return .tlsFailure(Self.shorten(text))
        }
        return .other("\(error)")
    }

    /// BoringSSL error stacks are long; the reason code is what matters.
    private static func shorten(_ text: String) -> String {
        let codes = ["CERTIFICATE_VERIFY_FAILED", "ALERT_BAD_CERTIFICATE", "ALERT_UNKNOWN_CA", "CERTIFICATE_REQUIRED",
                     "ALERT_CERTIFICATE_EXPIRED", "ALERT_HANDSHAKE_FAILURE"]
        return codes.first(where: text.contains) ?? String(text.prefix(300))
    }
}
