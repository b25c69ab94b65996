import Foundation
@testable import KubeClient

/// Real keys and certificates made with the openssl command line, in every private key format
/// a kubeconfig may carry.
struct TestPKI: Sendable {
    let directory: TemporaryDirectory

    enum KeyKind: String, CaseIterable, Sendable {
        case rsaPKCS1, pkcs8, ecSEC1
    }

    /// A self-signed CA in the directory (`<name>.crt`, `<name>.key`).
    static func makeCA(in directory: TemporaryDirectory, name: String = "ca") async throws -> TestPKI {
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("\(name).key"),
                           "-out", directory.file("\(name).crt"), "-days", "2", "-subj", "/CN=\(name)"])
        return TestPKI(directory: directory, caName: name)
    }

    let caName: String

    private init(directory: TemporaryDirectory, caName: String) {
        self.directory = directory
        self.caName = caName
    }

    var caCertificatePath: String { directory.file("\(caName).crt") }
    var caKeyPath: String { directory.file("\(caName).key") }

    /// A private key of `kind` in PEM (`<name>.key`).
    func makeKey(_ name: String, kind: KeyKind) async throws -> String {
        let path = directory.file("\(name).key")
        switch kind {
        case .rsaPKCS1: try await Self.openssl(["genrsa", "-traditional", "-out", path, "2048"])
        case .pkcs8: try await Self.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
        case .ecSEC1: try await Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path])
        }
        return path
    }

    /// A client certificate for `commonName` (groups as O=) signed by this CA, with a key of `kind`.
    /// Returns the paths of the certificate and the key.
    func makeClientCertificate(_ name: String, commonName: String, groups: [String] = [], kind: KeyKind) async throws -> (certificate: String, key: String) {
        let key = try await makeKey(name, kind: kind)
        let subject = "/CN=\(commonName)" + groups.map { "/O=\($0)" }.joined()
        try await Self.openssl(["req", "-new", "-key", key, "-subj", subject, "-out", directory.file("\(name).csr")])
        let extensions = try directory.write("\(name).ext", "extendedKeyUsage=clientAuth\n")
        try await Self.openssl(["x509", "-req", "-in", directory.file("\(name).csr"), "-CA", caCertificatePath, "-CAkey", caKeyPath,
                                "-CAcreateserial", "-days", "2", "-out", directory.file("\(name).crt"), "-extfile", extensions])
        return (directory.file("\(name).crt"), key)
    }

    static func openssl(_ arguments: [String]) async throws {
        let outcome = try await CredentialProcess.run(executable: "/usr/bin/openssl", arguments: arguments,
                                                 environment: ProcessInfo.processInfo.environment, timeout: .seconds(60))
        guard outcome.status == 0, !outcome.signaled else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: outcome.stderr, as: UTF8.self))")
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
