import Foundation
import KubeAPI

/// What the HTTP layer writes for a watch: one JSON line per event, or the instruction to
/// cut the connection without ending the response (to simulate a network failure).
enum WatchFrame: Sendable {
    case line(Data)
    case drop
}

/// What a request is answered with.
enum APIResponse: Sendable {
    case json(Int, JSONValue)
    case text(Int, String)
    case watch(AsyncStream<WatchFrame>)
    /// Text written as it comes, until the stream ends or the client goes away (`pods/log?follow=true`).
    case textStream(AsyncStream<WatchFrame>)
    /// A response with `Warning` headers (kube's `299 - "..."`), such as unknown fields.
    indirect case warned(APIResponse, [String])

    /// The HTTP status code, for logs.
    var code: Int {
        switch self {
        case .json(let code, _), .text(let code, _): code
        case .watch, .textStream: 200
        case .warned(let inner, _): inner.code
        }
    }

    static func status(_ status: Status, continueToken: String? = nil) -> APIResponse {
        .json(status.code ?? 500, status.jsonValue(continueToken: continueToken))
    }

    static func failure(_ failure: APIFailure) -> APIResponse {
        status(failure.status, continueToken: failure.continueToken)
    }
}

/// One line of a watch stream, `{"type":"ADDED","object":{...}}` plus a newline.
enum WatchLine {
    static func encode(type: String, object: JSONValue) -> Data {
        var data = (try? JSONValue.object(["type": .string(type), "object": object]).jsonData()) ?? Data()
        data.append(0x0a)
        return data
    }
}

/// What a write answers: the code (200 or 201), the object, and warnings for the client.
struct WriteResult: Sendable {
    var code: Int
    var object: JSONValue
    var warnings: [String] = []

    init(_ code: Int, _ object: JSONValue, warnings: [String] = []) {
        self.code = code
        self.object = object
        self.warnings = warnings
    }

    var response: APIResponse {
        warnings.isEmpty ? .json(code, object) : .warned(.json(code, object), warnings)
    }
}
