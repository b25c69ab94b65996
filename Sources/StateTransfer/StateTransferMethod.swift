import Foundation
import Galera

/// `wsrep_sst_qmysql`: our state-transfer method, which mysqld runs for a joiner and for its
/// donor (`wsrep_sst_method=qmysql`). The executable is `kubectl-qmysql` under that name (the
/// agent links it onto mysqld's PATH); `main` dispatches here on the name.
public enum StateTransferMethod {
    /// The program mysqld runs: `wsrep_sst_qmysql`.
    public static let programName = StateTransferChoice.qmysqlProgram

    /// Runs one side of a transfer with mysqld's arguments; returns the exit status for mysqld.
    public static func run(arguments: [String]) async -> Int32 {
        var parsed: TransferArguments
        do {
            parsed = try TransferArguments(parsing: arguments)
        } catch {
            FileHandle.standardError.write(Data("WSREP_SST: [ERROR] qmysql: \(error.description); arguments: \(arguments.joined(separator: " "))\n".utf8))
            return 22
        }
        // Our TLS files: the `[qmysql-sst]` group of the file mysqld was started with.
        if let defaultsFile = parsed.defaultsFile {
            do {
                let text = try String(contentsOfFile: defaultsFile, encoding: .utf8)
                parsed.tls = try DefaultsFile.tls(in: text)
            } catch {
                FileHandle.standardError.write(Data("WSREP_SST: [ERROR] qmysql: cannot read the TLS files from \(defaultsFile): \(error)\n".utf8))
                return 22
            }
        }
        let log = TransferLog(role: parsed.role)
        let flavor = installedFlavor()
        do {
            switch parsed.role {
            case .joiner:
                let result = try await Joiner(arguments: parsed, flavor: flavor, log: log).run()
                TransferLog.tell(result)
            case .donor:
                let result = try await Donor(arguments: parsed, flavor: flavor, log: log).run()
                TransferLog.tell(result)
            }
            return 0
        } catch {
            log.write(.error, error.description)
            return error.status
        }
    }

    /// The flavor whose backup tool is installed: one image holds one distribution.
    static func installedFlavor() -> Flavor {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for flavor in Flavor.allCases where path.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(flavor.backupTool)") }) {
            return flavor
        }
        return .mariadb
    }
}
