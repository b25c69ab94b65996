import ClusterCertificates
import Foundation
import KubeAPI
import KubeClient
import KubeRuntime
import Logging
import QiniuAPI

/// Certificate renewal: the Secret's certificates are checked at every reconcile (parsed again
/// only when the Secret changed or the last decision's date passed) and replaced in place when
/// `CertificateRenewal` says so. The kubelet brings the new files to every pod, where the agents
/// and the controller load them without a restart (docs/encryption.md, "Rotation").
extension ClusterReconciler {
    /// Renews the certificates in the cluster's Secret if they are due. Quiet until the Secret
    /// exists (the apply makes it) and when it lacks keys (the apply says so).
    func renewCertificates(key: ObjectKey, names: ClusterNames, log: Logger) async throws {
        let cache = caches.objects(Secret.resourceType)
        let secretKey = ObjectKey(namespace: key.namespace, name: names.secret)
        guard let raw = cache?.get(secretKey), let version = cache?.version(of: secretKey),
              let secret = try? raw.decode(as: Secret.self),
              let stored = ClusterSecrets(secret: secret, expectsRootPassword: false) else { return }
        let now = Date()
        if let memo = certificatesGood.withLock({ $0[key] }), memo.version == version, now < memo.until { return }
        let renewed: ClusterTLS
        let reason: String
        let event: String
        switch CertificateRenewal.decide(stored.tls, names: ClusterTLS.serverNames(cluster: key.name, namespace: key.namespace), now: now) {
        case .keep(let until):
            certificatesGood.withLock { $0[key] = (version, until) }
            return
        case .renewLeaf(let why):
            renewed = try stored.tls.renewingLeaf(cluster: key.name, namespace: key.namespace, now: now)
            (reason, event) = ("\(why)", "CertificateRenewed")
        case .reissue(let why):
            renewed = try stored.tls.reissuing(cluster: key.name, namespace: key.namespace, now: now)
            (reason, event) = ("\(why)", "CertificateAuthorityReplaced")
        }
        // A merge patch of the certificate keys only, on the version read: a Secret changed
        // meanwhile (a person restoring a key) wins, and the next reconcile decides again.
        let data = ClusterSecrets.certificateData(renewed).mapValues { JSONValue.string($0.base64EncodedString()) }
        let patch: JSONValue = ["metadata": ["resourceVersion": .string(secret.metadata.resourceVersion ?? "")], "data": .object(data)]
        let written = try await client.mergePatchRaw(Secret.resourceType, name: names.secret, namespace: key.namespace, patch: patch)
        cache?.store(written)
        metrics.objectWrites.increment()
        metrics.certificateRenewals.increment()
        certificatesGood.withLock { $0[key] = nil }
        let until = renewed.leafNotAfter.map { $0.formatted(.iso8601) } ?? "-"
        let message = event == "CertificateRenewed"
            ? "renewed the serving certificate from the cluster's CA (\(reason)); valid until \(until); the nodes load it without a restart"
            : "replaced the cluster's CA and serving certificate (\(reason)); the old CA stays trusted until it expires, the controller restarts to trust the new one"
        log.notice("\(message)", metadata: ["secret": "\(names.secret)"])
        if let cluster = caches.clusters.get(key) {
            await events.record(cluster, kind: event == "CertificateRenewed" ? .normal : .warning, reason: event, message: message)
        }
    }
}
