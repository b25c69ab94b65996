import Foundation
import KubeAPI

/// The `client.authentication.k8s.io` versions of the ExecCredential protocol this client speaks.
public enum ExecCredentialVersion: String, Sendable, CaseIterable {
    case v1 = "client.authentication.k8s.io/v1"
    case v1beta1 = "client.authentication.k8s.io/v1beta1"
}

/// The ExecCredential documents exchanged with a credential plugin: the input in
/// `KUBERNETES_EXEC_INFO` and the plugin's output on stdout.
enum ExecCredential {
    /// The JSON put into `KUBERNETES_EXEC_INFO`: never interactive (this client does not hand
    /// its terminal to plugins), with the cluster when the kubeconfig asks for it.
    static func input(apiVersion: String, cluster: ExecClusterInfo?) -> String {
        var spec: [String: JSONValue] = ["interactive": false]
        if let cluster {
            var info: [String: JSONValue] = ["server": .string(cluster.server)]
            if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
            if cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = true }
            if let ca = cluster.certificateAuthorityData { info["certificate-authority-data"] = .string(ca.base64EncodedString()) }
            if let config = cluster.config { info["config"] = config }
            spec["cluster"] = .object(info)
        }
        let document: JSONValue = ["apiVersion": .string(apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
        return String(decoding: (try? document.jsonData()) ?? Data(), as: UTF8.self)
    }

    /// Parses and checks the plugin's stdout. Throws a sentence fragment for `ExecPluginError.invalidOutput`.
    static func parse(_ output: Data, expectedVersion: String) throws(ExecOutputProblem) -> Credential {
        guard let document = try? JSONValue.parse(output), document.objectValue != nil else {
            throw ExecOutputProblem("printed something that is not a JSON object")
        }
        if document["kind"]?.stringValue != "ExecCredential" {
            throw ExecOutputProblem("printed kind \"\(document["kind"]?.stringValue ?? "")\", not ExecCredential")
        }
        let version = document["apiVersion"]?.stringValue ?? ""
        guard version == expectedVersion else {
            throw ExecOutputProblem("returned apiVersion \"\(version)\" but the kubeconfig asks for \"\(expectedVersion)\"")
        }
        guard let status = document["status"], status.objectValue != nil else {
            throw ExecOutputProblem("returned no status")
        }
        var credential = Credential()
        if let text = status["expirationTimestamp"]?.stringValue, !text.isEmpty {
            guard let date = KubeTime.parse(text) else {
                throw ExecOutputProblem("returned expirationTimestamp \"\(text)\", which is not an RFC 3339 time")
            }
            credential.expiry = date
        }
        let token = status["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let certificate = status["clientCertificateData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let key = status["clientKeyData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil):
            guard token != nil else { throw ExecOutputProblem("returned neither a token nor a client certificate and key") }
        case (.some, nil), (nil, .some):
            throw ExecOutputProblem("returned only one of clientCertificateData and clientKeyData")
        case (let certificate?, let key?):
            do {
                credential.clientIdentity = try ClientIdentity(certificatePEM: Data(certificate.utf8), keyPEM: Data(key.utf8))
            } catch {
                throw ExecOutputProblem("returned an unusable client certificate: \(error)")
            }
        }
        credential.bearerToken = token
        return credential
    }
}

struct ExecOutputProblem: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
