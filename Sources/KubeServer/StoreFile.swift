import Foundation
import KubeAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The object store on disk (`KubeServerConfiguration.storagePath`), so a playground that is
/// brought down, or whose machine rebooted, comes back with every object: each object with where
/// it lives, and the resourceVersion counter. No history: a restored server starts compacted at
/// the saved version, as etcd after a compaction.
///
/// Versioned JSON, one object per line so the file can be read and grepped:
///
///     {"version":1,"resourceVersion":42,"objects":[
///     {"group":"","name":"default","namespace":"","object":{...},"resource":"namespaces"},
///     ...
///     ]}
///
/// `encoded()` and `decode(_:)` are pure; `load(_:)` and `writeAtomically(_:to:)` do the I/O.
struct StoreFile: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var resource: GroupResource
        var key: ObjectKey
        var object: JSONValue
    }

    static let formatVersion: Int64 = 1

    var resourceVersion: Int64
    /// In (group, resource, key) order, so equal stores give equal files.
    var entries: [Entry]

    init(resourceVersion: Int64, entries: [Entry]) {
        self.resourceVersion = resourceVersion
        self.entries = entries.sorted { ($0.resource.group, $0.resource.resource) < ($1.resource.group, $1.resource.resource)
            || ($0.resource == $1.resource && $0.key < $1.key) }
    }

    init(_ store: ObjectStore) {
        self.init(resourceVersion: store.resourceVersion,
                  entries: store.allObjects().map { Entry(resource: $0.resource, key: $0.key, object: $0.object) })
    }

    /// Why a file cannot be used, worded for the person who has to fix it.
    struct Problem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Encoding

    func encoded() throws -> Data {
        var data = Data("{\"version\":\(Self.formatVersion),\"resourceVersion\":\(resourceVersion),\"objects\":[".utf8)
        for (index, entry) in entries.enumerated() {
            let line: JSONValue = ["group": .string(entry.resource.group), "resource": .string(entry.resource.resource),
                                   "namespace": .string(entry.key.namespace), "name": .string(entry.key.name),
                                   "object": entry.object]
            data.append(contentsOf: Array((index == 0 ? "\n" : ",\n").utf8))
            data.append(try line.jsonData())
        }
        data.append(contentsOf: Array("\n]}\n".utf8))
        return data
    }

    /// Reads a file's contents, refusing anything that would restore a store different from the
    /// one saved (so a damaged file stops the server instead of quietly losing objects).
    static func decode(_ data: Data) throws(Problem) -> StoreFile {
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw Problem("not valid JSON (\(Registry.describe(error)))")
        }
        guard document.objectValue != nil, let version = document["version"]?.intValue else {
            throw Problem("not a store file: expected a JSON object with \"version\", \"resourceVersion\" and \"objects\"")
        }
        guard version == formatVersion else {
            throw Problem("format version \(version) is not supported (this server reads version \(formatVersion))")
        }
        guard let resourceVersion = document["resourceVersion"]?.intValue, resourceVersion > 0 else {
            throw Problem("\"resourceVersion\" must be a positive integer")
        }
        guard let objects = document["objects"]?.arrayValue else { throw Problem("\"objects\" must be an array") }
        var entries: [Entry] = []
        var seen: Set<[String]> = []
        for (index, item) in objects.enumerated() {
            func string(_ member: String, empty: Bool) throws(Problem) -> String {
                guard let value = item[member]?.stringValue, empty || !value.isEmpty else {
                    throw Problem("objects[\(index)]: \"\(member)\" must be a\(empty ? "" : " non-empty") string")
                }
                return value
            }
            // A missing namespace is a cluster-scoped object's "".
            let namespace = try item["namespace"] == nil ? "" : string("namespace", empty: true)
            let entry = Entry(resource: GroupResource(group: try string("group", empty: true),
                                                      resource: try string("resource", empty: false)),
                              key: ObjectKey(namespace: namespace, name: try string("name", empty: false)),
                              object: item["object"] ?? .null)
            guard entry.object.objectValue != nil else { throw Problem("objects[\(index)]: \"object\" must be a JSON object") }
            // A version above the counter would be handed out again by the next write.
            guard let objectVersion = entry.object[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap({ Int64($0) }),
                  objectVersion <= resourceVersion else {
                throw Problem("objects[\(index)] (\(entry.resource) \(entry.key)): metadata.resourceVersion must be a number not above \(resourceVersion)")
            }
            guard seen.insert([entry.resource.group, entry.resource.resource, entry.key.namespace, entry.key.name]).inserted else {
                throw Problem("objects[\(index)]: \(entry.resource) \(entry.key) appears twice")
            }
            entries.append(entry)
        }
        return StoreFile(resourceVersion: resourceVersion, entries: entries)
    }

    // MARK: I/O

    /// The saved store, or nil when there is no file yet.
    static func load(_ path: String) throws(KubeServerError) -> StoreFile? {
        func unusable(_ problem: String) -> KubeServerError {
            .storeFileUnusable(path: path, reason: "\(problem); the file was left as it is: repair it, or move it away to start empty")
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw unusable("cannot read it (\(error.localizedDescription))")
        }
        do {
            return try decode(data)
        } catch {
            throw unusable(error.description)
        }
    }

    /// Creates the directory that will hold the file, if it is missing.
    static func createDirectory(for path: String) throws(Problem) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Problem("cannot create the directory \(directory.path) (\(error.localizedDescription))")
        }
    }

    /// Replaces the file at `path` so that a crash or power cut leaves either the old file or the
    /// new one, never part of one: write a temporary file in the same directory, fsync it, rename
    /// it over `path`, fsync the directory (so the rename itself is on disk). Mode 0600: it holds
    /// Secrets.
    static func writeAtomically(_ data: Data, to path: String) throws(Problem) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(url.lastPathComponent).tmp"
        func failure(_ step: String) -> Problem {
            Problem("\(step) \(temporary): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create") }
        var problem: Problem?
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    problem = failure("cannot write")
                    return
                }
                offset += written
            }
        }
        if problem == nil, fsync(fd) != 0 { problem = failure("cannot fsync") }
        if close(fd) != 0, problem == nil { problem = failure("cannot close") }
        if problem == nil, rename(temporary, path) != 0 {
            problem = Problem("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        if let problem {
            unlink(temporary)
            throw problem
        }
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
