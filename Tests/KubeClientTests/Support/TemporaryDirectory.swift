import Foundation

/// A fresh directory under /tmp, removed when the test is done with it (`defer { dir.remove() }`).
struct TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = "kubeclient") throws {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard executable else {
            try text.write(toFile: target, atomically: true, encoding: .utf8)
            return target
        }
        // A file this process held open for writing cannot be executed while any child forked
        // meanwhile (by another test running in parallel) still holds that descriptor: exec
        // fails with ETXTBSY ("Text file busy"). So a short-lived `install` writes executables;
        // this process only ever writes the source copy, which nothing executes.
        let source = target + ".source"
        try text.write(toFile: source, atomically: true, encoding: .utf8)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
        install.arguments = ["-m", "0755", source, target]
        try install.run()
        install.waitUntilExit()
        guard install.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target])
        }
        return target
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
