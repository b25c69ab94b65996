import Foundation
import Testing

@testable import KubeAPI

/// The direct encoder against the path it replaced: `JSONEncoder`'s bytes parsed back. The same
/// tree for typed models, numbers, bytes, nested and custom encodings, and the same refusals.
@Suite struct JSONValueEncoderTests {
    static func reference(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(JSONEncoder().encode(value))
    }

    /// A model with every shape the synthesized conformances produce, and hand-written ones.
    struct Everything: Codable {
        var text = "a\"b/c\u{e9}"
        var flag = true
        var whole = 42
        var negative: Int64 = -9_223_372_036_854_775_808
        var unsigned: UInt64 = 18_446_744_073_709_551_615 >> 1
        var small: UInt8 = 255
        var fraction = 2.5
        var integral = 3.0
        var tiny = 5e-324
        var huge = 1.0e300
        var float: Float = 0.5
        var floatTenth: Float = 0.1
        var decimal = Decimal(string: "12.375")!
        var bytes = Data([0, 1, 2, 250, 255])
        var date = Date(timeIntervalSinceReferenceDate: 1_000_000)
        var absent: String? = nil
        var explicitNull: JSONValue = .null
        var list: [Int?] = [1, nil, 3]
        var nested: [[String: [Double]]] = [["a": [1, 1.5]], [:]]
        var dictionary = ["b": 2, "a": 1]
        var intKeys: [Int: String] = [1: "one", 2: "two"]
        var either: IntOrString = .string("mysql")
        var number: IntOrString = 3306
        var tree: JSONValue = ["k": [1, "x", nil, ["deep": true]]]
        var empty: [String] = []
        var custom = Custom()
    }

    /// Nested containers, a super encoder and an unkeyed top level, written by hand.
    struct Custom: Codable {
        enum Keys: String, CodingKey { case outer, pair, parent }
        enum Inner: String, CodingKey { case x }
        init() {}
        init(from decoder: Decoder) throws {}
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var outer = container.nestedContainer(keyedBy: Inner.self, forKey: .outer)
            try outer.encode(7, forKey: .x)
            var pair = container.nestedUnkeyedContainer(forKey: .pair)
            try pair.encode("left")
            var inner = pair.nestedContainer(keyedBy: Inner.self)
            try inner.encode(false, forKey: .x)
            var list = pair.nestedUnkeyedContainer()
            try list.encodeNil()
            try Pair().encode(to: container.superEncoder(forKey: .parent))
        }
    }

    struct Pair: Encodable {
        func encode(to encoder: Encoder) throws {
            var list = encoder.unkeyedContainer()
            try list.encode(1)
            try list.encode("two")
        }
    }

    @Test func sameTreeAsJSONEncoderThenParse() throws {
        let value = Everything()
        #expect(try JSONValue(encoding: value) == Self.reference(value))
        #expect(try JSONValue(encoding: Pair()) == Self.reference(Pair()))
        for scalar in [0.0, -0.0, 1.0, 0.1, 1e20, 123_456_789.0, -2.75] {
            #expect(try JSONValue(encoding: scalar) == Self.reference(scalar), "\(scalar)")
        }
        #expect(try JSONValue(encoding: "top") == .string("top"))
        #expect(try JSONValue(encoding: [Int]()) == .array([]))
    }

    @Test func typedModelsEncodeAsTheyDecode() throws {
        let set = StatefulSet(metadata: ObjectMeta(name: "demo", namespace: "rds", labels: ["app": "demo"]), spec: StatefulSetSpec(
            replicas: 3, selector: LabelSelector(matchLabels: ["app": "demo"]),
            template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "demo"]), spec: PodSpec(
                containers: [Container(name: "mysql", image: "mariadb:11", ports: [ContainerPort(name: "mysql", containerPort: 3306)],
                                       readinessProbe: Probe(httpGet: HTTPGetAction(path: "/readyz", port: "agent", scheme: "HTTPS")),
                                       securityContext: SecurityContext(allowPrivilegeEscalation: false, capabilities: Capabilities(drop: ["ALL"])))],
                volumes: [Volume(name: "run", emptyDir: EmptyDirVolumeSource())],
                securityContext: PodSecurityContext(runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: .runtimeDefault))),
            podManagementPolicy: "Parallel",
            persistentVolumeClaimRetentionPolicy: PersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Retain")))
        let tree = try JSONValue(encoding: set)
        #expect(tree == (try Self.reference(set)))
        #expect(tree[path: ["spec", "template", "spec", "volumes"]] == [["name": "run", "emptyDir": [:]]])
        #expect(tree[path: ["spec", "template", "spec"]]?["containers"]?.arrayValue?.first?[path: ["readinessProbe", "httpGet", "port"]] == "agent")
        #expect(try tree.decode(as: StatefulSet.self) == set)
        let secret = Secret(metadata: ObjectMeta(name: "s"), data: ["key": Data("value".utf8)])
        #expect(try JSONValue(encoding: secret)[path: ["data", "key"]] == "dmFsdWU=", "bytes are base64, as on the wire")
    }

    @Test func refusesWhatJSONCannotHold() throws {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try JSONValue(encoding: ["x": value]) }
            #expect(throws: EncodingError.self) { try JSONValue(encoding: [value]) }
        }
        #expect(try JSONValue(encoding: ["big": UInt64.max]) == Self.reference(["big": UInt64.max]), "past Int64, a double, as parsed")
    }
}
