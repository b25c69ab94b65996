import Foundation
import MySQLClient

/// The accounts a cluster is reached with over TCP: root@'%' for its users (the password
/// `kubectl qmysql credential` prints) and the controller's probe account. A fresh datadir has
/// neither (only unix_socket accounts), and the passwords live in the cluster's Secret, mounted
/// into the pod as files.
///
/// The agent applies them once per agent process, the first time its node is Synced, and again
/// after any failure. The statements are idempotent and replicate through Galera, so whichever
/// node gets there first sets up the whole cluster and the others change nothing; a password
/// changed in the Secret takes effect at the next pod start. The files are read when applied, so
/// a rotated Secret is never held in memory longer than needed.
public struct AccountSetup: Sendable, Equatable {
    public var rootPasswordFile: String?
    public var controllerUser: String
    public var controllerPasswordFile: String?

    public init(rootPasswordFile: String?, controllerUser: String, controllerPasswordFile: String?) {
        self.rootPasswordFile = rootPasswordFile
        self.controllerUser = controllerUser
        self.controllerPasswordFile = controllerPasswordFile
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The statements for these passwords; nil passwords leave that account alone. Pure.
    public static func statements(rootPassword: String?, controllerUser: String, controllerPassword: String?) -> [String] {
        var statements: [String] = []
        func account(_ user: String, _ password: String, privileges: String, grantOption: Bool = false) {
            let name = "\(SQLLiteral.string(user))@'%'"
            statements += [
                "CREATE USER IF NOT EXISTS \(name) IDENTIFIED BY \(SQLLiteral.string(password))",
                "ALTER USER \(name) IDENTIFIED BY \(SQLLiteral.string(password))",
                "GRANT \(privileges) ON *.* TO \(name)" + (grantOption ? " WITH GRANT OPTION" : ""),
            ]
        }
        if let rootPassword { account("root", rootPassword, privileges: "ALL PRIVILEGES", grantOption: true) }
        if let controllerPassword { account(controllerUser, controllerPassword, privileges: "PROCESS, REPLICATION CLIENT") }
        return statements
    }

    /// Reads the password files and returns the statements to run.
    public func statements() throws(Problem) -> [String] {
        func read(_ path: String?, _ option: String) throws(Problem) -> String? {
            guard let path else { return nil }
            do {
                let value = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !value.isEmpty else { throw Problem(description: "\(option) \(path) is empty") }
                return value
            } catch let problem as Problem {
                throw problem
            } catch {
                throw Problem(description: "cannot read \(option) \(path): \(error.localizedDescription)")
            }
        }
        return Self.statements(rootPassword: try read(rootPasswordFile, "--root-password-file"), controllerUser: controllerUser,
                               controllerPassword: try read(controllerPasswordFile, "--controller-password-file"))
    }
}
