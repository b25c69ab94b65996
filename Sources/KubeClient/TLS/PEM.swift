import Foundation

/// The blocks of a PEM file, read only far enough to say what they are. BoringSSL does the real
/// parsing; this exists so that a wrong file gives a precise message ("holds a CERTIFICATE, not
/// a private key") instead of a library error code.
public struct PEMBlock: Sendable, Hashable {
    /// The label between `BEGIN` and the dashes: `CERTIFICATE`, `RSA PRIVATE KEY`, ...
    public var label: String
    /// Header lines such as `Proc-Type: 4,ENCRYPTED` (legacy encrypted keys).
    public var headers: [String]
    public var der: Data

    public static func parseAll(_ data: Data) throws(PEMError) -> [PEMBlock] {
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw .notText
        }
        var blocks: [PEMBlock] = []
        var current: (label: String, headers: [String], body: String)?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                current = (String(line.dropFirst(11).dropLast(5)), [], "")
            } else if line.hasPrefix("-----END "), line.hasSuffix("-----") {
                guard let open = current else { throw .unexpectedEnd(String(line.dropFirst(9).dropLast(5))) }
                guard String(line.dropFirst(9).dropLast(5)) == open.label else {
                    throw .mismatchedEnd(begin: open.label, end: String(line.dropFirst(9).dropLast(5)))
                }
                guard let der = Data(base64Encoded: open.body), !der.isEmpty else { throw .invalidBase64(open.label) }
                blocks.append(PEMBlock(label: open.label, headers: open.headers, der: der))
                current = nil
            } else if current != nil {
                if line.contains(":") {
                    current!.headers.append(line)
                } else {
                    current!.body += line
                }
            }
        }
        if let open = current { throw .unterminated(open.label) }
        if blocks.isEmpty {
            // DER bytes or a base64 string pasted without decoding are common mistakes.
            throw data.first == 0x30 ? .derNotPEM : .noBlocks
        }
        return blocks
    }
}

/// The private key encodings a kubeconfig may carry.
public enum PrivateKeyFormat: String, Sendable {
    /// `RSA PRIVATE KEY`: PKCS#1, what `openssl genrsa -traditional` writes.
    case rsaPKCS1 = "RSA PRIVATE KEY"
    /// `PRIVATE KEY`: PKCS#8, any algorithm, what `openssl genpkey` writes.
    case pkcs8 = "PRIVATE KEY"
    /// `EC PRIVATE KEY`: SEC 1, what `openssl ecparam -genkey` and kubeadm write.
    case ecSEC1 = "EC PRIVATE KEY"

    /// The key block of a PEM file and its format; other blocks (EC PARAMETERS, a certificate
    /// bundled in the same file) are skipped as kubectl skips them.
    public static func find(in blocks: [PEMBlock]) throws(PEMError) -> (PrivateKeyFormat, PEMBlock) {
        for block in blocks {
            if block.label == "ENCRYPTED PRIVATE KEY" || block.headers.contains(where: { $0.contains("ENCRYPTED") }) {
                throw .encryptedKey
            }
            if let format = PrivateKeyFormat(rawValue: block.label) { return (format, block) }
        }
        throw .noPrivateKey(found: blocks.map(\.label))
    }
}

public enum PEMError: Error, Sendable, Hashable, CustomStringConvertible {
    case notText
    case noBlocks
    case derNotPEM
    case invalidBase64(String)
    case unterminated(String)
    case unexpectedEnd(String)
    case mismatchedEnd(begin: String, end: String)
    case encryptedKey
    case noPrivateKey(found: [String])
    case noCertificate(found: [String])

    public var description: String {
        switch self {
        case .notText: "is not PEM text"
        case .noBlocks: "holds no PEM block (expected -----BEGIN ...----- lines)"
        case .derNotPEM: "holds binary DER, not PEM; convert it with `openssl x509 -inform der` or `openssl pkey -inform der`"
        case .invalidBase64(let label): "has a \(label) block whose body is not valid base64"
        case .unterminated(let label): "has a \(label) block without its END line"
        case .unexpectedEnd(let label): "has an END \(label) line without a BEGIN line"
        case .mismatchedEnd(let begin, let end): "has a block that begins as \(begin) but ends as \(end)"
        case .encryptedKey: "holds an encrypted private key; decrypt it first (`openssl pkey -in key.pem -out plain.pem`)"
        case .noPrivateKey(let found):
            "holds no private key (found \(found.joined(separator: ", "))); expected RSA PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY"
        case .noCertificate(let found):
            "holds no certificate (found \(found.joined(separator: ", "))); expected CERTIFICATE"
        }
    }
}
