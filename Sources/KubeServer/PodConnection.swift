import Foundation
import KubeAPI
import Synchronization

/// What the API server reaches on a pod's node for `pods/log` and `pods/exec`: on Kubernetes the
/// kubelet's API; here whoever runs the pods (the playground's runtime) hands the server these
/// two. Without one (the tests' bare server) both subresources answer 404 as before.
public struct PodConnection: Sendable {
    /// The container's log file, as it is written (one file across the container's restarts).
    public var logFile: @Sendable (_ namespace: String, _ pod: String, _ container: String) -> String?
    /// Starts a command in a running container; nil when the container does not run.
    public var exec: @Sendable (_ request: ExecRequest) async throws -> ExecProcess?

    public init(logFile: @escaping @Sendable (String, String, String) -> String?,
                exec: @escaping @Sendable (ExecRequest) async throws -> ExecProcess?) {
        self.logFile = logFile
        self.exec = exec
    }
}

/// Where the server finds the node's side once whoever runs the pods has started (after the
/// server itself, in the playground).
final class PodConnectionSlot: Sendable {
    private let value = Mutex<PodConnection?>(nil)
    var current: PodConnection? { value.withLock { $0 } }
    func set(_ connection: PodConnection?) { value.withLock { $0 = connection } }
}

/// `pods/exec`'s query: which container, the command, and the streams wanted.
public struct ExecRequest: Sendable, Equatable {
    public var namespace: String
    public var pod: String
    public var container: String
    public var command: [String]
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool
    public var tty: Bool
}

/// A command running in a container, as the exec stream drives it: bytes in, bytes out, the
/// terminal's size, and the exit.
public struct ExecProcess: Sendable {
    /// Writes to its stdin; an empty chunk closes stdin.
    public var write: @Sendable (Data) async -> Void
    /// Its stdout (and with a terminal, everything), then its stderr; each ends when the stream does.
    public var stdout: AsyncStream<Data>
    public var stderr: AsyncStream<Data>
    public var resize: @Sendable (_ width: Int, _ height: Int) -> Void
    /// Waits for the exit code (nil: killed by a signal).
    public var wait: @Sendable () async -> Int32?
    /// Ends it (the client went away).
    public var kill: @Sendable () -> Void

    public init(write: @escaping @Sendable (Data) async -> Void, stdout: AsyncStream<Data>, stderr: AsyncStream<Data>,
                resize: @escaping @Sendable (Int, Int) -> Void, wait: @escaping @Sendable () async -> Int32?,
                kill: @escaping @Sendable () -> Void) {
        self.write = write
        self.stdout = stdout
        self.stderr = stderr
        self.resize = resize
        self.wait = wait
        self.kill = kill
    }
}

/// `GET .../pods/NAME/log`: the container's log, whole or its last lines, followed with
/// `follow=true` until the client goes away. The checks are kube's: the pod must exist, the
/// container must be one of it (and must be named when the pod has several).
enum PodLogs {
    static func respond(_ request: ResourceRequest, query: QueryParameters, pod: JSONValue, connection: PodConnection?) -> APIResponse {
        guard let connection else { return .status(.pathNotFound) }
        let name = request.name ?? ""
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let initContainers = (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let defaulted = pod[path: ["metadata", "annotations", "kubectl.kubernetes.io/default-container"]]?.stringValue
        guard let container = query["container"] ?? (containers.count == 1 ? containers.first : defaulted) else {
            return .status(.badRequest("a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))] or one of the init containers: [\(initContainers.joined(separator: " "))]"))
        }
        guard containers.contains(container) || initContainers.contains(container) else {
            return .status(.badRequest("container \(container) is not valid for pod \(name)"))
        }
        if query.bool("previous") == true {
            // One file holds every run of a container here: there is no separate previous log.
            return .status(.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found"))
        }
        guard let path = connection.logFile(request.namespace ?? "", name, container),
              let handle = FileHandle(forReadingAtPath: path) else {
            return .status(.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating"))
        }
        let tail = query["tailLines"].flatMap { Int($0) }
        let limit = query["limitBytes"].flatMap { Int($0) }
        let follow = query.bool("follow") == true
        let start = tail.map { startOfLastLines($0, handle: handle) } ?? 0
        try? handle.seek(toOffset: start)
        // Written as it is read, whole or followed: a log is never held in memory.
        return .textStream(AsyncStream { continuation in
            let task = Task {
                defer { try? handle.close() }
                var sent = 0
                while !Task.isCancelled {
                    if let data = try? handle.read(upToCount: 64 << 10), !data.isEmpty {
                        var chunk = data
                        if let limit {
                            chunk = chunk.prefix(max(0, limit - sent))
                            if chunk.isEmpty { break }
                        }
                        sent += chunk.count
                        continuation.yield(.line(chunk))
                        continue
                    }
                    // At the end: done, unless following a file that still exists (a deleted
                    // pod's directory goes with it, and so does its log).
                    guard follow, isLinked(handle) else { break }
                    try? await Task.sleep(for: .milliseconds(200))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        })
    }

    /// Whether the open file still has a name (it was not deleted).
    static func isLinked(_ handle: FileHandle) -> Bool {
        var info = stat()
        return fstat(handle.fileDescriptor, &info) == 0 && info.st_nlink > 0
    }

    /// The offset of the last `count` lines of the file.
    static func startOfLastLines(_ count: Int, handle: FileHandle) -> UInt64 {
        guard count >= 0, let size = try? handle.seekToEnd(), size > 0 else { return 0 }
        if count == 0 { return size }
        var offset = size
        var newlines = 0
        let block: UInt64 = 64 << 10
        while offset > 0 {
            let read = min(block, offset)
            offset -= read
            try? handle.seek(toOffset: offset)
            let data = (try? handle.read(upToCount: Int(read))) ?? Data()
            for index in stride(from: data.count - 1, through: 0, by: -1) where data[data.startIndex + index] == 0x0a {
                // The newline that ends the last line does not start one.
                if offset + UInt64(index) == size - 1 { continue }
                newlines += 1
                if newlines == count { return offset + UInt64(index) + 1 }
            }
        }
        return 0
    }
}
