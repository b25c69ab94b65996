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

/// When the operator renews a cluster's certificates (`CertificateRenewal`), at every point of
/// their lives, and what a renewal and a new CA are made of.
@Suite struct CertificateRenewalTests {
    static let names = ClusterTLS.serverNames(cluster: "demo", namespace: "rds")
    static let day: TimeInterval = 86400

    @Test func aServingCertificateIsRenewedFromTheSameCAWithAThirdOfItsLifeLeft() throws {
        let made = Date(timeIntervalSince1970: 1_800_000_000)
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "rds", now: made)
        let notAfter = try #require(tls.leafNotAfter)
        #expect(abs(notAfter.timeIntervalSince(made) - ClusterTLS.leafValidity) < 1, "a year")
        // The leaf is valid from five minutes before it was made: its life is a year and 300 s.
        let renewAt = notAfter.addingTimeInterval(-(ClusterTLS.leafValidity + 300) / 3)
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: made) == .keep(until: renewAt))
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: renewAt.addingTimeInterval(-1)) == .keep(until: renewAt))
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: renewAt) == .renewLeaf(.leafExpiring(notAfter: notAfter)))
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: notAfter) == .renewLeaf(.leafExpired(notAfter: notAfter)))

        // The renewal: the same CA text and key, a new key pair, good for another year.
        let later = notAfter.addingTimeInterval(10 * Self.day)
        let renewed = try tls.renewingLeaf(cluster: "demo", namespace: "rds", now: later)
        #expect(renewed.caCertificatePEM == tls.caCertificatePEM && renewed.caKeyPEM == tls.caKeyPEM)
        #expect(renewed.keyPEM != tls.keyPEM && renewed.certificatePEM != tls.certificatePEM)
        #expect(ClusterTLS.key(renewed.keyPEM, belongsTo: renewed.certificatePEM) && !ClusterTLS.key(tls.keyPEM, belongsTo: renewed.certificatePEM))
        guard case .keep = CertificateRenewal.decide(renewed, names: Self.names, now: later) else {
            Issue.record("a renewed certificate is kept: \(CertificateRenewal.decide(renewed, names: Self.names, now: later))")
            return
        }
    }

    @Test func aCertificateThatDoesNotFitIsRenewedAtOnce() throws {
        let now = Date()
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "rds", now: now)
        let other = try ClusterTLS.generate(cluster: "demo", namespace: "rds", now: now)
        var mismatched = tls
        mismatched.keyPEM = other.keyPEM
        #expect(CertificateRenewal.decide(mismatched, names: Self.names, now: now) == .renewLeaf(.leafUnreadable))
        var garbage = tls
        garbage.certificatePEM = "not a certificate"
        #expect(CertificateRenewal.decide(garbage, names: Self.names, now: now) == .renewLeaf(.leafUnreadable))
        var foreign = tls
        (foreign.certificatePEM, foreign.keyPEM) = (other.certificatePEM, other.keyPEM)
        #expect(CertificateRenewal.decide(foreign, names: Self.names, now: now) == .renewLeaf(.leafNotFromAuthority))
        // A certificate for another cluster's names (as one made before the client Service's
        // names were added lacks those).
        let renamed = try tls.renewingLeaf(cluster: "old", namespace: "rds", now: now)
        guard case .renewLeaf(.leafLacksNames(let missing)) = CertificateRenewal.decide(renamed, names: Self.names, now: now) else {
            Issue.record("\(CertificateRenewal.decide(renamed, names: Self.names, now: now))")
            return
        }
        #expect(missing.contains("demo.rds.svc") && missing.contains("*.demo-peers"))
    }

    @Test func withoutTheCAsKeyOrWithTheCAAtItsEndANewCAIsMade() throws {
        let made = Date(timeIntervalSince1970: 1_800_000_000)
        var keyless = try ClusterTLS.generate(cluster: "demo", namespace: "rds", now: made)
        keyless.caKeyPEM = nil
        let notAfter = try #require(keyless.leafNotAfter)
        let renewAt = notAfter.addingTimeInterval(-(ClusterTLS.leafValidity + 300) / 3)
        // Nothing is done early without the key: a new CA restarts the controller.
        #expect(CertificateRenewal.decide(keyless, names: Self.names, now: made) == .keep(until: renewAt))
        #expect(CertificateRenewal.decide(keyless, names: Self.names, now: renewAt) == .reissue(.leafExpiring(notAfter: notAfter)))
        #expect(CertificateRenewal.decide(keyless, names: Self.names, now: notAfter) == .reissue(.leafExpired(notAfter: notAfter)))
        #expect(throws: ClusterTLS.RenewalFailure.self) { try keyless.renewingLeaf(cluster: "demo", namespace: "rds") }

        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "rds", now: made)
        let caNotAfter = made.addingTimeInterval(ClusterTLS.authorityValidity)
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: caNotAfter.addingTimeInterval(-100 * Self.day))
            == .reissue(.authorityExpiring(notAfter: caNotAfter)))
        #expect(CertificateRenewal.decide(tls, names: Self.names, now: caNotAfter) == .reissue(.authorityExpired(notAfter: caNotAfter)))
        var unreadable = tls
        unreadable.caCertificatePEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        #expect(CertificateRenewal.decide(unreadable, names: Self.names, now: made) == .reissue(.authorityUnreadable))

        // The new CA signs; the old one stays trusted (second in ca.crt) until it expires.
        let now = renewAt
        let reissued = try keyless.reissuing(cluster: "demo", namespace: "rds", now: now)
        let bundle = try #require(ClusterTLS.certificates(inPEM: reissued.caCertificatePEM))
        #expect(bundle.count == 2)
        #expect(bundle[1] == (try Certificate(pemEncoded: keyless.caCertificatePEM)))
        #expect(bundle[0].publicKey == (try Certificate.PrivateKey(pemEncoded: try #require(reissued.caKeyPEM))).publicKey)
        guard case .keep = CertificateRenewal.decide(reissued, names: Self.names, now: now) else {
            Issue.record("a new CA's certificate is kept: \(CertificateRenewal.decide(reissued, names: Self.names, now: now))")
            return
        }
        // Its renewals drop the old CA once it expired.
        let muchLater = made.addingTimeInterval(ClusterTLS.authorityValidity + Self.day)
        let renewed = try reissued.renewingLeaf(cluster: "demo", namespace: "rds", now: muchLater)
        #expect(ClusterTLS.certificates(inPEM: renewed.caCertificatePEM)?.count == 1)
    }
}
