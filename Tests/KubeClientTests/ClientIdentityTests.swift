import Foundation
import Testing
@testable import KubeClient

@Suite struct ClientIdentityTests {
    @Test(arguments: TestPKI.KeyKind.allCases)
    func loadsEveryKeyFormat(kind: TestPKI.KeyKind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try await TestPKI.makeCA(in: dir)
        let (cert, key) = try await pki.makeClientCertificate("client", commonName: "alice", kind: kind)
        let keyPEM = try Data(contentsOf: URL(fileURLWithPath: key))
        let expectedLabel: String = switch kind {
        case .rsaPKCS1: "-----BEGIN RSA PRIVATE KEY-----"
        case .pkcs8: "-----BEGIN PRIVATE KEY-----"
        case .ecSEC1: "-----BEGIN EC PRIVATE KEY-----"
        }
        #expect(String(decoding: keyPEM, as: UTF8.self).hasPrefix(expectedLabel))
        let identity = try ClientIdentity(certificatePEM: try Data(contentsOf: URL(fileURLWithPath: cert)), keyPEM: keyPEM)
        #expect(identity.certificateChain.count == 1)
        #expect(identity.keyFormat == [.rsaPKCS1: PrivateKeyFormat.rsaPKCS1, .pkcs8: .pkcs8, .ecSEC1: .ecSEC1][kind])
    }

    @Test func ecKeyAfterAnECParametersBlockIsFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("withparams.key")
        try await TestPKI.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-out", path])
        let blocks = try PEMBlock.parseAll(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(blocks.map(\.label) == ["EC PARAMETERS", "EC PRIVATE KEY"])
        #expect(try PrivateKeyFormat.find(in: blocks).0 == .ecSEC1)
    }

    @Test func encryptedKeysAreRefusedWithAFix() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try await TestPKI.makeCA(in: dir)
        let key = try await pki.makeKey("plain", kind: .pkcs8)
        let encrypted = dir.file("encrypted.key")
        try await TestPKI.openssl(["pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", encrypted])
        let blocks = try PEMBlock.parseAll(try Data(contentsOf: URL(fileURLWithPath: encrypted)))
        #expect(throws: PEMError.encryptedKey) { try PrivateKeyFormat.find(in: blocks) }
        #expect(PEMError.encryptedKey.description.contains("openssl pkey"))
    }

    @Test func malformedPEMIsDescribed() {
        #expect(throws: PEMError.noBlocks) { try PEMBlock.parseAll(Data("just text".utf8)) }
        #expect(throws: PEMError.derNotPEM) { try PEMBlock.parseAll(Data([0x30, 0x82, 0x01, 0x0a])) }
        #expect(throws: PEMError.unterminated("CERTIFICATE")) { try PEMBlock.parseAll(Data("-----BEGIN CERTIFICATE-----\nAAAA\n".utf8)) }
        #expect(throws: PEMError.mismatchedEnd(begin: "CERTIFICATE", end: "PRIVATE KEY")) {
            try PEMBlock.parseAll(Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8))
        }
        #expect(throws: PEMError.invalidBase64("CERTIFICATE")) {
            try PEMBlock.parseAll(Data("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".utf8))
        }
    }
}
