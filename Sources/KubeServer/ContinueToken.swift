import Foundation
import KubeAPI

/// The opaque `continue` token of a paginated list, in kube's shape (base64url of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`): the snapshot version to keep
/// reading and the key to start after. `rv` -1 means "continue at the latest version".
struct ContinueToken: Sendable, Equatable {
    var resourceVersion: Int64
    /// The key of the last item returned: the next page starts after it.
    var lastKey: String

    func encoded() -> String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(lastKey + "\u{0}")]
        let data = (try? json.jsonData()) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws(APIFailure) -> ContinueToken {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let json = try? JSONValue.parse(data),
              json["v"]?.stringValue == "meta.k8s.io/v1", let version = json["rv"]?.intValue,
              let start = json["start"]?.stringValue, start.hasSuffix("\u{0}")
        else {
            throw APIFailure(.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))
        }
        return ContinueToken(resourceVersion: version, lastKey: String(start.dropLast()))
    }
}
