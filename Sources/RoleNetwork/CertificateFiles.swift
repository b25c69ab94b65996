import ClusterCertificates
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// The cluster's certificate, key and CA as mounted from its Secret. The operator renews them in
/// the Secret and the kubelet replaces the files (within about a minute); `reload()` reads them
/// again, and everything built from here follows without a restart:
/// - a server with `serverConfiguration` presents the last certificate loaded (NIOSSL asks at
///   every handshake, `sslContextCallback`);
/// - `clientConfiguration` trusts the last CA loaded (a new value after a change: given per
///   request, it opens new connections);
/// - `acceptedFingerprints` is what the controller's SQL probe pins: the certificate loaded
///   last, and the one before it until that expires (a node loads the renewed files up to a
///   check interval after the controller does, or before it).
///
/// Files that cannot be used (unreadable, or a key that does not belong to the certificate, as
/// while the files are being swapped one by one) leave what was loaded in place.
public final class CertificateFiles: Sendable {
    public let certificatePath: String
    public let keyPath: String
    public let authorityPath: String?

    /// One consistent set of files.
    public struct Loaded: Sendable {
        public let certificatePEM: String
        public let authorityPEM: String?
        /// Of the first certificate in `certificatePEM`, upper-case hex (libmariadb's pin).
        public let sha1Fingerprint: String?
        /// When the first certificate in `certificatePEM` expires.
        public let notAfter: Date?
        let keyPEM: String
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        /// Made once per load: the same value for every request until the CA changes.
        let client: TLSConfiguration?
    }

    /// What a reload found changed.
    public struct Change: OptionSet, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The certificate or its key.
        public static let certificate = Change(rawValue: 1)
        /// The CA (what peers are trusted by).
        public static let authority = Change(rawValue: 2)

        public var description: String {
            [(Change.certificate, "certificate"), (Change.authority, "CA")].filter { contains($0.0) }.map(\.1).joined(separator: " and ")
        }
    }

    private let loaded: Mutex<Loaded>
    /// The certificate loaded before the current one (its SHA-1 and expiry), if any.
    private let previous = Mutex<(sha1: String, notAfter: Date)?>(nil)
    /// What the last `check()` could not use.
    private let lastProblem = Mutex<String?>(nil)

    /// Loads the files; throws naming the option (`--tls-cert-file` ...) whose file cannot be used.
    public init(certificate: String, key: String, authority: String?) throws(RoleTLS.Failure) {
        certificatePath = certificate
        keyPath = key
        authorityPath = authority
        loaded = Mutex(try Self.load(certificate: certificate, key: key, authority: authority))
    }

    public var current: Loaded { loaded.withLock { $0 } }

    /// Reads the files again and keeps them if they changed and can be used. Throws (and keeps
    /// the old ones) if they cannot.
    @discardableResult
    public func reload() throws(RoleTLS.Failure) -> Change {
        let before = current
        let texts = try Self.read(certificate: certificatePath, key: keyPath, authority: authorityPath)
        var change: Change = []
        if texts.certificate != before.certificatePEM || texts.key != before.keyPEM { change.insert(.certificate) }
        if texts.authority != before.authorityPEM { change.insert(.authority) }
        guard !change.isEmpty else { return [] }
        let fresh = try Self.parse(texts, certificate: certificatePath, key: keyPath, authority: authorityPath)
        loaded.withLock { $0 = fresh }
        if change.contains(.certificate), let sha1 = before.sha1Fingerprint, sha1 != fresh.sha1Fingerprint, let notAfter = before.notAfter {
            previous.withLock { $0 = (sha1, notAfter) }
        }
        return change
    }

    /// What a periodic look at the files found (`check()`).
    public enum Check: Sendable {
        case unchanged
        case changed(Change)
        /// The files cannot be used; the loaded ones stay. `repeated`: the same problem as the
        /// look before (a pair read half-replaced, one file at a time, is found once).
        case unusable(String, repeated: Bool)
    }

    /// `reload()` for a loop that looks every few seconds and says only what lasts.
    public func check() -> Check {
        do {
            let change = try reload()
            lastProblem.withLock { $0 = nil }
            return change.isEmpty ? .unchanged : .changed(change)
        } catch {
            let problem = error.description
            let repeated = lastProblem.withLock { last in
                defer { last = problem }
                return last == problem
            }
            return .unusable(problem, repeated: repeated)
        }
    }

    /// The SHA-1 fingerprints a server of this cluster may present now, the current one first:
    /// the previous certificate stays accepted until it expires.
    public func acceptedFingerprints(now: Date = Date()) -> [String] {
        let current = current.sha1Fingerprint
        let older = previous.withLock { $0 }.flatMap { $0.notAfter > now && $0.sha1 != current ? $0.sha1 : nil }
        return [current, older].compactMap { $0 }
    }

    /// What a server presents: whatever was loaded last, at every handshake.
    public var serverConfiguration: TLSConfiguration {
        let first = current
        var configuration = RoleTLS.server(chain: first.chain, key: first.key)
        configuration.sslContextCallback = { [self] _, promise in
            let now = current
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = now.chain.map { .certificate($0) }
            override.privateKey = .privateKey(now.key)
            promise.succeed(override)
        }
        return configuration
    }

    /// What a client trusts: the CA loaded last. nil without a CA file.
    public var clientConfiguration: TLSConfiguration? {
        current.client
    }

    // MARK: - Reading

    struct Texts {
        var certificate: String
        var key: String
        var authority: String?
    }

    static func load(certificate: String, key: String, authority: String?) throws(RoleTLS.Failure) -> Loaded {
        try parse(try read(certificate: certificate, key: key, authority: authority), certificate: certificate, key: key, authority: authority)
    }

    static func read(certificate: String, key: String, authority: String?) throws(RoleTLS.Failure) -> Texts {
        func text(_ path: String, _ option: String) throws(RoleTLS.Failure) -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadable(option: option, path: path, problem: error.localizedDescription)
            }
        }
        return Texts(certificate: try text(certificate, "--tls-cert-file"), key: try text(key, "--tls-key-file"),
                     authority: try authority.map { path throws(RoleTLS.Failure) in try text(path, "--ca-file") })
    }

    static func parse(_ texts: Texts, certificate: String, key: String, authority: String?) throws(RoleTLS.Failure) -> Loaded {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        var trust: [NIOSSLCertificate]?
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(texts.certificate.utf8))
            guard !chain.isEmpty else { throw RoleTLS.Failure.unreadable(option: "--tls-cert-file", path: certificate, problem: "no certificate in it") }
        } catch let failure as RoleTLS.Failure {
            throw failure
        } catch {
            throw .unreadable(option: "--tls-cert-file", path: certificate, problem: "\(error)")
        }
        do {
            privateKey = try NIOSSLPrivateKey(bytes: Array(texts.key.utf8), format: .pem)
        } catch {
            throw .unreadable(option: "--tls-key-file", path: key, problem: "\(error)")
        }
        guard ClusterTLS.key(texts.key, belongsTo: texts.certificate) else {
            throw .unreadable(option: "--tls-key-file", path: key, problem: "it is not the key of the certificate in \(certificate)")
        }
        if let authority, let text = texts.authority {
            do {
                trust = try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
            } catch {
                throw .unreadable(option: "--ca-file", path: authority, problem: "\(error)")
            }
        }
        return Loaded(certificatePEM: texts.certificate, authorityPEM: texts.authority,
                      sha1Fingerprint: ClusterTLS.sha1Fingerprint(ofCertificatePEM: texts.certificate),
                      notAfter: ClusterTLS.notAfter(ofCertificatePEM: texts.certificate),
                      keyPEM: texts.key, chain: chain, key: privateKey, client: trust.map(RoleTLS.client(trusting:)))
    }
}
