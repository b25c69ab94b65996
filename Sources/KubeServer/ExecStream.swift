import Foundation
import KubeAPI
import Synchronization

/// Kubernetes' remote command protocol over WebSockets (`v5.channel.k8s.io`, `v4.channel.k8s.io`),
/// which kubectl 1.30+ speaks for `exec`: every binary message starts with its channel byte:
/// 0 stdin, 1 stdout, 2 stderr, 3 the error channel (a `Status` once the command has ended, with
/// its exit code), 4 a terminal resize (`{"Width":80,"Height":24}`), and in v5 255 + a channel to
/// close that stream (kubectl closes stdin so).
enum ExecStream {
    static let protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"]

    /// The protocol to answer with: the newest we speak among those the client offers.
    static func negotiate(_ offered: String?) -> String? {
        let offers = (offered ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return protocols.first { offers.contains($0) }
    }

    /// The Status the error channel carries at the end, as the kubelet writes it.
    static func status(exitCode: Int32?, command: [String]) -> JSONValue {
        guard let code = exitCode, code == 0 else {
            let shown = exitCode.map { "\($0)" } ?? "137"
            return [
                "metadata": [:], "status": "Failure",
                "message": .string("command terminated with non-zero exit code: error executing command [\(command.joined(separator: " "))], exit code \(shown)"),
                "reason": "NonZeroExitCode",
                "details": ["causes": [["reason": "ExitCode", "message": .string(shown)]]],
            ]
        }
        return ["metadata": [:], "status": "Success"]
    }

    /// Pumps one exec: client messages to the process, its output to the client, then the
    /// status and a close. A client that goes away before the command ends ends it.
    static func run(_ process: ExecProcess, command: [String], messages: AsyncStream<WebSocketFrame>,
                    consumed: @escaping @Sendable (Int) -> Void = { _ in },
                    send: @escaping @Sendable (WebSocketFrame) async -> Void) async {
        let exited = ExitFlag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in messages {
                    defer {
                        if case .binary(let data) = message { consumed(data.count) }
                        if case .text(let data) = message { consumed(data.count) }
                    }
                    guard case .binary(let data) = message, let channel = data.first else { continue }
                    let payload = data.dropFirst()
                    switch channel {
                    case 0:
                        if !payload.isEmpty { await process.write(Data(payload)) }
                    case 4:
                        if let size = try? JSONValue.parse(Data(payload)), let width = size["Width"]?.intValue, let height = size["Height"]?.intValue {
                            process.resize(Int(width), Int(height))
                        }
                    case 255:
                        if payload.first == 0 { await process.write(Data()) }  // v5: stdin closed
                    default:
                        break
                    }
                }
                // The messages end when the client closes the connection, or when the group is
                // cancelled after the command's exit: only the first leaves a command to end.
                if !exited.isSet { process.kill() }
            }
            let output = Task {
                await withTaskGroup(of: Void.self) { streams in
                    streams.addTask { for await chunk in process.stdout { await send(.binary(Data([1]) + chunk)) } }
                    streams.addTask { for await chunk in process.stderr { await send(.binary(Data([2]) + chunk)) } }
                }
            }
            await output.value
            let code = await process.wait()
            exited.set()
            let status = (try? status(exitCode: code, command: command).jsonData()) ?? Data()
            await send(.binary(Data([3]) + status))
            await send(.close)
            group.cancelAll()
        }
    }
}

/// Whether the exec'd command has exited (read by the stdin task, set by the output task).
final class ExitFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
