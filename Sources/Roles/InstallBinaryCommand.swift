import ArgumentParser
import Foundation

/// `kubectl-qmysql install-binary --to PATH`: copies this executable to PATH. The database pods'
/// init container runs it, so the agent reaches the flavor's unmodified image without a shell or
/// `cp` in the (minimal) qmysql image.
public struct InstallBinaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "install-binary",
        abstract: "Copy this executable to a path (the database pods' init container uses it).",
        shouldDisplay: false)

    @Option(help: "Where to put the copy, an absolute path. An existing file is replaced atomically.")
    var to: String

    public init() {}

    public func validate() throws {
        guard to.hasPrefix("/") else { throw ValidationError("--to '\(to)' must be an absolute path, e.g. /qmysql/bin/kubectl-qmysql") }
    }

    public func run() throws {
        let source = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let temporary = to + ".partial"
        let manager = FileManager.default
        do {
            try? manager.removeItem(atPath: temporary)
            // A hard link where the target is on the same filesystem (the playground: no copy of
            // a 100+ MB executable per pod); a copy otherwise (a pod's emptyDir).
            if link(source, temporary) != 0 {
                try manager.copyItem(atPath: source, toPath: temporary)
                try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
            }
            if rename(temporary, to) != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: to]) }
        } catch {
            throw ValidationError("cannot copy \(source) to \(to): \(error.localizedDescription)")
        }
        print("installed \(to)")
    }
}
