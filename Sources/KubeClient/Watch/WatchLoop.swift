import AsyncHTTPClient
import Clocks
import Foundation
import Galera
import KubeAPI
import NIOCore

/// List-then-watch with resume: lists to get a snapshot and its resourceVersion, watches from
/// there with bookmarks, remembers the newest version seen, resumes from it after a dropped
/// connection or the server's timeout, lists again when the server answers 410 Gone, and backs
/// off exponentially on errors. Cancellation of the consuming task ends it.
struct WatchLoop<Object: Sendable> {
    let client: KubeClient
    let type: ResourceType
    let namespace: String?
    let options: WatchOptions
    /// Lists every object and returns the list's resourceVersion.
    let list: @Sendable () async throws -> (items: [Object], resourceVersion: String?)
    /// Decodes one event (`{"type": ..., "object": ...}`, an `object` present) into its object,
    /// from its line or from the line parsed once (`event`), whichever the decoder reads faster.
    let decodeEvent: @Sendable (_ line: Data, _ event: JSONValue) throws -> Object

    private(set) var resourceVersion: String?
    private var backoff: Backoff

    init(client: KubeClient, type: ResourceType, namespace: String?, options: WatchOptions,
         list: @escaping @Sendable () async throws -> (items: [Object], resourceVersion: String?),
         decodeEvent: @escaping @Sendable (_ line: Data, _ event: JSONValue) throws -> Object) {
        self.client = client
        self.type = type
        self.namespace = namespace
        self.options = options
        self.list = list
        self.decodeEvent = decodeEvent
        self.resourceVersion = options.resourceVersion
        self.backoff = options.backoff
    }

    mutating func run(_ emit: (WatchEvent<Object>) -> Void) async throws {
        var needsList = resourceVersion == nil
        // Starting from a caller's version means the caller has state: any list replaces it.
        var isRelist = !needsList
        var started = false
        while true {
            try Task.checkCancellation()
            do {
                if needsList {
                    let (items, version) = try await list()
                    guard let version, !version.isEmpty else {
                        throw KubeError.invalidResponse(request: watchRequest(from: "").description, server: client.serverURL,
                                                        problem: "the list has no metadata.resourceVersion to watch from")
                    }
                    emit(.snapshot(items, isRelist: isRelist))
                    resourceVersion = version
                    needsList = false
                    isRelist = true
                    started = true
                }
                let began = ContinuousClock.now
                let delivered = try await watchOnce(emit) { started = true }
                // The server ends every watch after timeoutSeconds; only a stream that ends at
                // once without news deserves a pause (a server that hangs up on us).
                if delivered || ContinuousClock.now - began > .seconds(5) {
                    backoff.reset()
                } else {
                    try await Task.sleep(for: backoff.next())
                }
                client.logger.debug("watch ended; resuming", metadata: ["resource": "\(type)", "resourceVersion": "\(resourceVersion ?? "")"])
            } catch let error as KubeError where error.isGone {
                started = true
                client.logger.info("watch history expired (410); listing again", metadata: ["resource": "\(type)", "resourceVersion": "\(resourceVersion ?? "")"])
                needsList = true
                try await Task.sleep(for: backoff.next())
            } catch let error as KubeError where error.isTransient && (started || !options.failFastAtStart) {
                let pause = backoff.next()
                client.logger.info("watch failed; retrying", metadata: ["resource": "\(type)", "error": "\(error)", "pause": "\(pause)"])
                try await Task.sleep(for: pause)
            }
        }
    }

    private func watchRequest(from version: String) -> KubeRequest {
        var query: [(name: String, value: String)] = [
            ("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(options.timeoutSeconds)),
        ]
        if !version.isEmpty { query.append(("resourceVersion", version)) }
        if let selector = options.labelSelector, !selector.isEmpty { query.append(("labelSelector", selector)) }
        if let selector = options.fieldSelector, !selector.isEmpty { query.append(("fieldSelector", selector)) }
        return KubeRequest(method: .GET, verb: "watch", resource: type, namespace: namespace, name: nil, query: query)
    }

    /// One watch request, read to its end. Returns whether any event arrived.
    private mutating func watchOnce(_ emit: (WatchEvent<Object>) -> Void, connected: () -> Void) async throws -> Bool {
        let request = watchRequest(from: resourceVersion ?? "")
        let response = try await client.open(request, deadline: .now() + .seconds(60))
        connected()
        var splitter = LineSplitter(maxLineLength: options.maxEventBytes)
        var delivered = false
        do {
            for try await chunk in response.body {
                for line in try splitter.append(chunk.readableBytesView) {
                    try handle(line, request: request, emit)
                    delivered = true
                }
            }
        } catch let error as LineTooLongError {
            throw KubeError.watchLineTooLong(limit: error.limit, request: request.description, server: client.serverURL)
        } catch let error as KubeError {
            throw error
        } catch {
            throw client.transport.failure(error, request: request)
        }
        if let last = splitter.finish() {
            try handle(last, request: request, emit)
            delivered = true
        }
        return delivered
    }

    private mutating func handle(_ line: Data, request: KubeRequest, _ emit: (WatchEvent<Object>) -> Void) throws {
        // Parsed once, by hand (JSONValue.parse): the type and version route the event, and a
        // raw watch takes its object from the same value.
        let event: JSONValue
        do {
            event = try JSONValue.parse(line)
        } catch {
            throw KubeError.invalidResponse(request: request.description, server: client.serverURL,
                                            problem: "a watch event is not JSON (\(error)): \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard let eventType = event["type"]?.stringValue else {
            throw KubeError.invalidResponse(request: request.description, server: client.serverURL,
                                            problem: "a watch event without a type: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        let version = event[path: ["object", "metadata", "resourceVersion"]]?.stringValue
        switch eventType {
        case "ADDED", "MODIFIED", "DELETED":
            let object: Object
            do {
                guard event["object"] != nil else { throw WatchEventWithoutObject() }
                object = try decodeEvent(line, event)
            } catch {
                let name = event[path: ["object", "metadata", "name"]]?.stringValue ?? "?"
                throw KubeError.invalidResponse(request: request.description, server: client.serverURL,
                                                problem: "cannot decode \(type.kind) \"\(name)\" of a watch event: \(KubeClient.describe(error))")
            }
            if let version, !version.isEmpty { resourceVersion = version }
            emit(eventType == "ADDED" ? .added(object) : eventType == "MODIFIED" ? .modified(object) : .deleted(object))
        case "BOOKMARK":
            if let version, !version.isEmpty {
                resourceVersion = version
                emit(.bookmark(resourceVersion: version))
            }
        case "ERROR":
            let status = (try? JSONDecoder().decode(WatchLine<Status>.self, from: line).object)
                ?? Status(message: "watch error event without a Status", reason: nil, code: 500)
            let body = (try? JSONEncoder().encode(status)) ?? Data()
            throw KubeError.from(code: status.code ?? 500, body: body, request: request.description, identity: client.transport.identity)
        default:
            throw KubeError.invalidResponse(request: request.description, server: client.serverURL,
                                            problem: "unknown watch event type \"\(eventType)\"")
        }
    }
}

struct WatchEventWithoutObject: Error, CustomStringConvertible {
    var description: String { "the event has no object" }
}

struct WatchLine<T: Decodable>: Decodable {
    var type: String
    var object: T
}
