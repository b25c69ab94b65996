#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine
import Foundation
import Synchronization

/// The wizard's prompts, read with libedit: arrow keys, Ctrl-A/E, and this session's earlier
/// answers on Up. libedit's own signal handling is off (`rl_catch_signals = 0`): Ctrl-C belongs
/// to `Interrupts`, which leaves the restore waiting where it is and restores the terminal from
/// the settings saved here.
///
/// `readline` blocks, so it runs on a thread of its own, never on the cooperative pool; a
/// cancelled read returns nil at once (the blocked thread ends with the process).
final class LineEditor: Sendable {
    /// The terminal as it was before the first prompt: libedit switches it to raw mode while it
    /// reads, and an interrupt in the middle must not leave it so.
    private let saved: Mutex<termios?>

    init() {
        var settings = termios()
        saved = Mutex(tcgetattr(STDIN_FILENO, &settings) == 0 ? settings : nil)
        qmysql_readline_setup()
    }

    /// One line without its newline; nil at end of input (Ctrl-D, a closed terminal) or when
    /// the calling task is cancelled.
    func readLine(prompt: String) async -> String? {
        let box = Mutex<CheckedContinuation<String?, Never>?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                box.withLock { $0 = continuation }
                if Task.isCancelled {
                    box.withLock { $0.take() }?.resume(returning: nil)
                    return
                }
                let thread = Thread {
                    let line: String? = prompt.withCString { pointer in
                        guard let raw = readline(pointer) else { return nil }
                        defer { free(raw) }
                        return String(cString: raw)
                    }
                    if let line, !line.trimmingCharacters(in: .whitespaces).isEmpty { _ = add_history(line) }
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
