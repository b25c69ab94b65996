import Foundation
import Synchronization

/// Names to addresses where no DNS serves them: the playground's stand-in for cluster DNS.
///
/// On Kubernetes a node is `demo-0.demo-peers` and the controller `demo-controller`, resolved by
/// the cluster's DNS. The playground runs the same rendered arguments as local processes, and
/// neither has DNS for those names nor may edit /etc/hosts; so its runtime hands each process a
/// file in /etc/hosts format (as a pod's `hostAliases` would) and names it in
/// `QMYSQL_HOSTS_FILE`. The agent, the controller and the operator pass every peer name they
/// connect to through `HostTable.resolve` at the moment they connect: a name in the table becomes
/// its address, any other name is left for DNS. The file is re-read when it changes, so a pod
/// that comes back with another address is found again.
public struct HostTable: Sendable, Equatable {
    public static let environmentVariable = "QMYSQL_HOSTS_FILE"

    /// Lower-cased name to address.
    public private(set) var addresses: [String: String]

    public init(_ addresses: [String: String] = [:]) {
        self.addresses = Dictionary(addresses.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses /etc/hosts syntax: `address name [alias ...]` per line, `#` starts a comment. The
    /// first line that names a host wins, as in /etc/hosts.
    public init(parsing text: String) {
        var table: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            for name in fields.dropFirst() where table[name.lowercased()] == nil {
                table[name.lowercased()] = String(fields[0])
            }
        }
        addresses = table
    }

    /// The file's text: one line per address, names sorted, so equal tables give equal files.
    public func rendered(header: String? = nil) -> String {
        var byAddress: [String: [String]] = [:]
        for (name, address) in addresses { byAddress[address, default: []].append(name) }
        var text = header.map { "# \($0)\n" } ?? ""
        for address in byAddress.keys.sorted() {
            text += "\(address) \(byAddress[address]!.sorted().joined(separator: " "))\n"
        }
        return text
    }

    public func address(of host: String) -> String? { addresses[host.lowercased()] }

    // MARK: The process's table

    /// `host` through this process's table (`QMYSQL_HOSTS_FILE`); unchanged when the table does
    /// not name it or there is no table.
    public static func resolve(_ host: String) -> String {
        ProcessTable.shared.current()?.resolve(host) ?? host
    }

    /// `host:port` with the host resolved.
    public static func resolve(hostPort: String) -> String {
        ProcessTable.shared.current()?.resolve(hostPort: hostPort) ?? hostPort
    }

    /// A URL with its host resolved. TLS between the roles verifies the certificate chain, not
    /// the name (RoleTLS), so connecting to the address keeps the same checks.
    public static func resolve(url: String) -> String {
        ProcessTable.shared.current()?.resolve(url: url) ?? url
    }

    // MARK: Through one table

    public func resolve(_ host: String) -> String { address(of: host) ?? host }

    public func resolve(hostPort: String) -> String {
        guard let colon = hostPort.lastIndex(of: ":") else { return resolve(hostPort) }
        return resolve(String(hostPort[..<colon])) + hostPort[colon...]
    }

    public func resolve(url: String) -> String {
        guard var components = URLComponents(string: url), let host = components.host else { return url }
        let resolved = resolve(host)
        guard resolved != host else { return url }
        components.host = resolved
        return components.string ?? url
    }

    /// The table named by the environment, re-read when the file's modification time or size
    /// changes. A missing or unreadable file counts as an empty table (the runtime writes it
    /// before it starts a process, so that only happens while it is being replaced).
    final class ProcessTable: Sendable {
        static let shared = ProcessTable(path: ProcessInfo.processInfo.environment[HostTable.environmentVariable])

        private let path: String?
        private let cache = Mutex<(stamp: String, table: HostTable)?>(nil)

        init(path: String?) {
            self.path = path.flatMap { $0.isEmpty ? nil : $0 }
        }

        func current() -> HostTable? {
            guard let path else { return nil }
            var info = stat()
            guard stat(path, &info) == 0 else { return cache.withLock { $0?.table } ?? HostTable() }
            let stamp = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size):\(info.st_ino)"
            if let cached = cache.withLock({ $0 }), cached.stamp == stamp { return cached.table }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return cache.withLock { $0?.table } ?? HostTable() }
            let table = HostTable(parsing: text)
            cache.withLock { $0 = (stamp, table) }
            return table
        }
    }
}
