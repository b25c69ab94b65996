import Foundation

/// What the playground needs from the machine: the MariaDB Galera stack its nodes run on, and
/// as root what it switches container users with (setpriv, nss_wrapper).
public enum PlaygroundRequirements {
    public struct Missing: Sendable, Equatable {
        public var what: String
        public var package: String
    }

    static let commands: [(String, String)] = [
        ("mariadbd", "mariadb-server"), ("mariadb-install-db", "mariadb-server"), ("mariabackup", "mariadb-backup"),
        ("mariadb", "mariadb-client"), ("socat", "socat"),
    ]
    static let files: [(String, String)] = [("/usr/lib/galera/libgalera_smm.so", "galera-4")]

    /// The commands and files that are missing, each with its Debian package.
    public static func missing(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "") -> [Missing] {
        let directories = (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
        var missing: [Missing] = []
        for (command, package) in commands where !directories.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }) {
            missing.append(Missing(what: command, package: package))
        }
        for (file, package) in files where !FileManager.default.fileExists(atPath: file) {
            missing.append(Missing(what: file, package: package))
        }
        // As root the runtime runs containers as their own users, with their image's user database.
        if geteuid() == 0, ContainerUsers.nssWrapperLibrary() == nil {
            missing.append(Missing(what: "libnss_wrapper.so", package: "libnss-wrapper"))
        }
        if geteuid() == 0, !FileManager.default.isExecutableFile(atPath: ManagedProcess.setpriv) {
            missing.append(Missing(what: ManagedProcess.setpriv, package: "util-linux"))
        }
        return missing
    }

    /// One sentence naming what is missing and the command that installs it.
    public static func explain(_ missing: [Missing]) -> String {
        let packages = Array(Set(missing.map(\.package))).sorted()
        return "the playground runs real MariaDB Galera nodes, and this machine lacks \(missing.map(\.what).joined(separator: ", ")); "
            + "install them with: sudo apt-get install -y \(packages.joined(separator: " ")) (or scripts/setup in a qmysql checkout)"
    }
}
