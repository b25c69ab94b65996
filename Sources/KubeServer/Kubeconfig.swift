import Foundation

/// How a kubeconfig user authenticates.
public enum KubeconfigCredentials: Sendable, Hashable {
    case clientCertificate(ClientCertificate)
    case token(String)
}

/// Writes kubeconfig files pointing at a local server, with the CA and credentials inline
/// (`*-data` fields), so the file works on its own.
enum KubeconfigWriter {
    static func yaml(server: URL, caPEM: String, clusterName: String, user: String, credentials: KubeconfigCredentials,
                     namespace: String?) -> String {
        func q(_ text: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        var lines = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: \(q(clusterName))",
            "  cluster:",
            "    server: \(q(server.absoluteString))",
            "    certificate-authority-data: \(q(b64(caPEM)))",
            "users:",
            "- name: \(q(user))",
            "  user:",
        ]
        switch credentials {
        case .clientCertificate(let certificate):
            lines.append("    client-certificate-data: \(q(b64(certificate.certificatePEM)))")
            lines.append("    client-key-data: \(q(b64(certificate.keyPEM)))")
        case .token(let token):
            lines.append("    token: \(q(token))")
        }
        let context = "\(clusterName)-\(user)"
        lines += [
            "contexts:",
            "- name: \(q(context))",
            "  context:",
            "    cluster: \(q(clusterName))",
            "    user: \(q(user))",
        ]
        if let namespace { lines.append("    namespace: \(q(namespace))") }
        lines += ["current-context: \(q(context))", "preferences: {}", ""]
        return lines.joined(separator: "\n")
    }
}
