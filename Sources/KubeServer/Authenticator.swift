import Foundation
import X509

/// Authentication as kube-apiserver does it with `--client-ca-file` and `--token-auth-file`:
/// a client certificate signed by the server's CA names the user (CN) and groups (O); else a
/// bearer token from the table does. A certificate that does not verify is ignored (the token
/// may still authenticate), as kube's union authenticator does. Nothing valid: 401, unless
/// anonymous requests are allowed (then the user is `system:anonymous`).
struct Authenticator: Sendable {
    let authority: CertificateAuthority
    let access: AccessPolicy
    let allowAnonymous: Bool

    static let authenticatedGroup = "system:authenticated"

    func authenticate(peerCertificate: Certificate?, authorization: String?) async -> KubeUser? {
        if let peerCertificate, await authority.verifiesClient(peerCertificate, intermediates: []) {
            var name = ""
            var groups: [String] = []
            for rdn in peerCertificate.subject {
                for attribute in rdn {
                    let value = String(attribute.value) ?? attribute.value.description
                    if attribute.type == .RDNAttributeType.commonName { name = value }
                    if attribute.type == .RDNAttributeType.organizationName { groups.append(value) }
                }
            }
            if !name.isEmpty { return KubeUser(name: name, groups: groups + [Self.authenticatedGroup]) }
        }
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            guard var user = access.user(forToken: token) else { return nil }
            user.groups.append(Self.authenticatedGroup)
            return user
        }
        if allowAnonymous { return KubeUser(name: "system:anonymous", groups: ["system:unauthenticated"]) }
        return nil
    }
}
