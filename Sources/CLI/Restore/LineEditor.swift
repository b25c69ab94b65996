#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The wizard's prompts, read with libedit: arrow keys, Ctrl-A/E, and this session's earlier
/// answers on Up. libedit's own signal handling is off (`rl_catch_signals = 0`): Ctrl-C belongs
/// to `Interrupts`, which leaves the restore waiting where it is and restores the terminal from
/// the settings saved here.
///
/// libedit is loaded when the wizard starts (`dlopen`), not linked: the same executable is the
/// agent inside the database image, which has no reason to carry libedit.
///
/// `readline` blocks, so it runs on a thread of its own, never on the cooperative pool; a
/// cancelled read returns nil at once (the blocked thread ends with the process).
final class LineEditor: Sendable {
    private typealias ReadLine = @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    private typealias AddHistory = @convention(c) (UnsafePointer<CChar>?) -> Int32
    private typealias UsingHistory = @convention(c) () -> Void
    private typealias StifleHistory = @convention(c) (Int32) -> Void

    /// The names libedit's runtime package installs (Debian's libedit2, macOS).
    static let libraryNames = ["libedit.so.2", "libedit.so", "libedit.3.dylib", "libedit.dylib"]

    private let readFunction: ReadLine
    private let addHistory: AddHistory
    /// The terminal as it was before the first prompt: libedit switches it to raw mode while it
    /// reads, and an interrupt in the middle must not leave it so.
    private let saved: Mutex<termios?>

    init() throws {
        guard let handle = Self.libraryNames.lazy.compactMap({ dlopen($0, RTLD_NOW) }).first else {
            throw CLIError("the restore wizard reads its answers with libedit, which is not installed",
                           hint: "install it (Debian and Ubuntu: apt-get install libedit2), or run the restore with --yes")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let pointer = dlsym(handle, name) else { throw CLIError("libedit has no \(name): \(String(cString: dlerror()))") }
            return unsafeBitCast(pointer, to: type)
        }
        readFunction = try symbol("readline", as: ReadLine.self)
        addHistory = try symbol("add_history", as: AddHistory.self)
        // libedit's handlers would restore the terminal and re-raise on Ctrl-C; ours do instead.
        if let catchSignals = dlsym(handle, "rl_catch_signals") {
            catchSignals.assumingMemoryBound(to: Int32.self).pointee = 0
        }
        try symbol("using_history", as: UsingHistory.self)()
        try symbol("stifle_history", as: StifleHistory.self)(100)
        var settings = termios()
        saved = Mutex(tcgetattr(STDIN_FILENO, &settings) == 0 ? settings : nil)
    }

    /// One line without its newline; nil at end of input (Ctrl-D, a closed terminal) or when
    /// the calling task is cancelled.
    func readLine(prompt: String) async -> String? {
        let box = Mutex<CheckedContinuation<String?, Never>?>(nil)
        let readFunction = self.readFunction
        let addHistory = self.addHistory
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                box.withLock { $0 = continuation }
                if Task.isCancelled {
                    box.withLock { $0.take() }?.resume(returning: nil)
                    return
                }
                let thread = Thread {
                    let line: String? = prompt.withCString { pointer in
                        guard let raw = readFunction(pointer) else { return nil }
                        defer { free(raw) }
                        return String(cString: raw)
                    }
                    if let line, !line.trimmingCharacters(in: .whitespaces).isEmpty { _ = line.withCString { addHistory($0) } }
                    box.withLock { $0.take() }?.resume(returning: line)
                }
                thread.start()
            }
        } onCancel: {
            box.withLock { $0.take() }?.resume(returning: nil)
        }
    }

    /// Puts the terminal back as it was before the first prompt.
    func restoreTerminal() {
        guard var settings = saved.withLock({ $0 }) else { return }
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &settings)
    }
}
