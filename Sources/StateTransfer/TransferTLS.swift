import COpenSSL
import Foundation
import Galera

// TLS for a transfer: both ends present the cluster's certificate and accept only a peer whose
// certificate chains to the cluster's CA (not its host name: pods are reached by IP, and every
// node holds the same certificate, as the roles' other TLS does). TLS 1.2 at least.

/// An OpenSSL context for one side of a transfer.
final class TransferTLSContext {
    enum Side { case joiner, donor }

    let context: OpaquePointer

    init(files: TLSFiles, side: Side) throws(TransferSocket.Failure) {
        guard let context = SSL_CTX_new(side == .joiner ? TLS_server_method() : TLS_client_method()) else {
            throw TransferSocket.Failure("TLS: \(Self.lastError())", errno: 0)
        }
        self.context = context
        // SSL_CTX_set_min_proto_version is a macro: its call, spelled out.
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        guard SSL_CTX_use_certificate_chain_file(context, files.certificate) == 1 else {
            throw TransferSocket.Failure("TLS: cannot use the certificate \(files.certificate): \(Self.lastError())", errno: 0)
        }
        guard SSL_CTX_use_PrivateKey_file(context, files.key, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw TransferSocket.Failure("TLS: cannot use the key \(files.key) with \(files.certificate): \(Self.lastError())", errno: 0)
        }
        guard SSL_CTX_load_verify_locations(context, files.certificateAuthority, nil) == 1 else {
            throw TransferSocket.Failure("TLS: cannot read the CA \(files.certificateAuthority): \(Self.lastError())", errno: 0)
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
    }

    deinit { SSL_CTX_free(context) }

    /// OpenSSL's queued errors, oldest first, as one line.
    static func lastError() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
    }
}
