import Foundation
import Galera

/// What mysqld says when it runs a state-transfer method (`wsrep_sst_<method>`), parsed. mysqld
/// (MariaDB 10.11, `sst_prepare_other` and `sst_donate_other`) runs, through `sh -c`:
///
///     wsrep_sst_qmysql --role 'joiner' --address 'HOST:PORT' --datadir 'DIR' [--defaults-file 'F' ...]
///         --parent PID --progress 0|1 [--binlog ...] [--mysqld-args ...]
///     wsrep_sst_qmysql --role 'donor' --address 'HOST:PORT/...' --local-port N --socket 'S'
///         --progress 0|1 --datadir 'DIR' [--defaults-file 'F' ...] --gtid 'UUID:SEQNO'
///         --gtid-domain-id N [--binlog ...] [--bypass] [--mysqld-args ...]
///
/// `--mysqld-args` is always last and takes everything after it. Unknown options are ignored
/// (a newer server may add some), as the packaged scripts ignore them.
public struct TransferArguments: Sendable, Equatable {
    public enum Role: String, Sendable { case joiner, donor }

    public var role: Role
    /// The joiner: where to listen (`wsrep_sst_receive_address`). The donor: the joiner's address
    /// as the joiner printed it after `ready` (`HOST:PORT/...`).
    public var address: String
    public var dataDirectory: String
    public var defaultsFile: String?
    /// The joiner's mysqld: the transfer gives up when it is gone.
    public var parent: Int32?
    /// The donor: the position Galera gives the joiner, and its GTID domain.
    public var position: GaleraPosition?
    public var domainID: Int = 0
    /// The donor: Galera sends IST itself; only the position goes to the joiner.
    public var bypass = false
    /// The donor's own mysqld, which its backup tool reads.
    public var socket: String?
    /// TLS files from the `[qmysql-sst]` group of the defaults file (read by `StateTransferMethod`).
    public var tls: TLSFiles?

    public struct Problem: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    public init(parsing arguments: [String]) throws(Problem) {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--mysqld-args" { break }
            guard argument.hasPrefix("--") else { throw Problem(description: "unexpected argument '\(argument)'") }
            let name = String(argument.dropFirst(2))
            if Self.flags.contains(name) {
                flags.insert(name)
                index += 1
            } else {
                guard index + 1 < arguments.count else { throw Problem(description: "\(argument) needs a value") }
                values[name] = arguments[index + 1]
                index += 2
            }
        }
        guard let role = values["role"].flatMap(Role.init(rawValue:)) else {
            throw Problem(description: "--role must be joiner or donor, not '\(values["role"] ?? "")'")
        }
        guard let address = values["address"], !address.isEmpty else { throw Problem(description: "no --address") }
        guard let dataDirectory = values["datadir"], dataDirectory.hasPrefix("/") else {
            throw Problem(description: "--datadir must be an absolute path, not '\(values["datadir"] ?? "")'")
        }
        self.role = role
        self.address = address
        self.dataDirectory = dataDirectory
        defaultsFile = values["defaults-file"]
        parent = values["parent"].flatMap { Int32($0) }
        socket = values["socket"]
        bypass = flags.contains("bypass")
        domainID = values["gtid-domain-id"].flatMap { Int($0) } ?? 0
        if let gtid = values["gtid"] {
            do { position = try GaleraPosition(parsing: gtid) } catch { throw Problem(description: "--gtid '\(gtid)' is not UUID:SEQNO") }
        }
        if role == .donor, position == nil { throw Problem(description: "the donor needs --gtid UUID:SEQNO") }
    }

    /// Options that take no value.
    static let flags: Set<String> = ["bypass"]

    /// `HOST:PORT` out of an address that may carry `/module/...` after it (what the joiner
    /// printed) or a `user@` before it; a bracketed IPv6 host keeps its brackets off.
    public static func endpoint(_ address: String) throws(Problem) -> (host: String, port: Int) {
        var text = Substring(address)
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw Problem(description: "address '\(address)' is not HOST:PORT")
        }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw Problem(description: "address '\(address)' has no host") }
        return (String(host), port)
    }
}

/// Reads one group of a my.cnf: `key=value` lines under `[group]` (no includes: the agent writes
/// our group in the file it hands mysqld).
enum DefaultsFile {
    static func group(_ name: String, in text: String) -> [String: String] {
        var values: [String: String] = [:]
        var inGroup = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inGroup = line == "[\(name)]"
                continue
            }
            guard inGroup, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces)] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// The TLS files our group names; nil without the group. Half a set is a mistake, said.
    static func tls(in text: String) throws(TransferArguments.Problem) -> TLSFiles? {
        let group = Self.group("qmysql-sst", in: text)
        let files = (group["tls-cert"], group["tls-key"], group["tls-ca"])
        switch files {
        case (nil, nil, nil): return nil
        case let (certificate?, key?, ca?): return TLSFiles(certificate: certificate, key: key, certificateAuthority: ca)
        default: throw TransferArguments.Problem(description: "the [qmysql-sst] group names some of tls-cert, tls-key and tls-ca, not all three")
        }
    }
}
