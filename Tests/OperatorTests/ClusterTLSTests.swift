import ClusterCertificates
import Foundation
import Testing
import X509

/// The per-cluster CA and serving certificate: valid for the names the roles use, and for
/// nothing another cluster's CA signed.
@Suite struct ClusterTLSTests {
    @Test func theServingCertificateChainsToTheClustersCAForEveryName() async throws {
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "rds")
        let ca = try Certificate(pemEncoded: tls.caCertificatePEM)
        let leaf = try Certificate(pemEncoded: tls.certificatePEM)
        for host in ["demo-0.demo-peers", "demo-2.demo-peers.rds.svc.cluster.local", "demo-controller", "demo-controller.rds.svc"] {
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
                RFC5280Policy()
                ServerIdentityPolicy(serverHostname: host, serverIP: nil)
            }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
            guard case .validCertificate = result else { Issue.record("\(host): \(result)"); continue }
        }
        var wrongName = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: "other-0.other-peers", serverIP: nil)
        }
        guard case .couldNotValidate = await wrongName.validate(leaf: leaf, intermediates: CertificateStore()) else {
            Issue.record("another cluster's names must not be covered")
            return
        }
        let foreign = try Certificate(pemEncoded: try ClusterTLS.generate(cluster: "demo", namespace: "rds").caCertificatePEM)
        var otherCA = Verifier(rootCertificates: CertificateStore([foreign])) { RFC5280Policy() }
        guard case .couldNotValidate = await otherCA.validate(leaf: leaf, intermediates: CertificateStore()) else {
            Issue.record("a certificate must not chain to another cluster's CA")
            return
        }
        #expect(tls.keyPEM.contains("PRIVATE KEY"))
    }
}
