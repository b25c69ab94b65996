import Foundation
import Testing

@testable import KubeAPI

@Suite struct JSONValueTests {
    @Test func integersAndDoublesStayApart() throws {
        let value = try JSONValue.parse(Data(#"{"a":1,"b":1.5,"c":"x","d":[true,null]}"#.utf8))
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(1.5))
        #expect(value["c"] == "x")
        #expect(value["d"] == [true, nil])
        #expect(String(decoding: try value.jsonData(), as: UTF8.self) == #"{"a":1,"b":1.5,"c":"x","d":[true,null]}"#)
    }

    @Test("pretty JSON reads like kubectl's: four spaces, \"key\": value, sorted keys, empty containers inline")
    func prettyLikeKubectl() throws {
        let value: JSONValue = ["kind": "QiniuMySQL", "spec": ["replicas": 3, "config": [:], "path": "a/b"], "items": [1, ["x": nil]], "none": []]
        #expect(String(decoding: try value.jsonData(pretty: true), as: UTF8.self) == """
            {
                "items": [
                    1,
                    {
                        "x": null
                    }
                ],
                "kind": "QiniuMySQL",
                "none": [],
                "spec": {
                    "config": {},
                    "path": "a/b",
                    "replicas": 3
                }
            }
            """)
        #expect(try JSONValue.parse(try value.jsonData(pretty: true)) == value)
    }

    @Test func pathSubscriptCreatesIntermediateObjects() {
        var value: JSONValue = [:]
        value[path: ["metadata", "labels", "app"]] = "shop"
        #expect(value == ["metadata": ["labels": ["app": "shop"]]])
        value[path: ["metadata", "labels", "app"]] = nil
        #expect(value == ["metadata": ["labels": [:]]])
    }

    @Test func typedRoundTrip() throws {
        let meta = ObjectMeta(name: "demo", namespace: "default", labels: ["a": "b"])
        #expect(try JSONValue(encoding: meta).decode(as: ObjectMeta.self) == meta)
    }
}

/// RFC 7386 examples, and the property the client relies on: applying `diff(a, b)` to `a` gives `b`.
@Suite struct MergePatchTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var target: JSONValue
        var patch: JSONValue
        var result: JSONValue
        var testDescription: String { "\(patch)" }
    }

    static let examples: [Example] = [
        Example(target: ["a": "b"], patch: ["a": "c"], result: ["a": "c"]),
        Example(target: ["a": "b"], patch: ["b": "c"], result: ["a": "b", "b": "c"]),
        Example(target: ["a": "b"], patch: ["a": nil], result: [:]),
        Example(target: ["a": "b", "b": "c"], patch: ["a": nil], result: ["b": "c"]),
        Example(target: ["a": ["b"]], patch: ["a": "c"], result: ["a": "c"]),
        Example(target: ["a": "c"], patch: ["a": ["b"]], result: ["a": ["b"]]),
        Example(target: ["a": ["b": "c"]], patch: ["a": ["b": "d", "c": nil]], result: ["a": ["b": "d"]]),
        Example(target: ["a": [["b": "c"]]], patch: ["a": [1]], result: ["a": [1]]),
        Example(target: ["e": nil], patch: ["a": 1], result: ["e": nil, "a": 1]),
        Example(target: [1, 2], patch: ["a": "b", "c": nil], result: ["a": "b"]),
        Example(target: [:], patch: ["a": ["bb": ["ccc": nil]]], result: ["a": ["bb": [:]]]),
    ]

    @Test(arguments: examples)
    func rfc7386(_ example: Example) {
        #expect(MergePatch.apply(example.patch, to: example.target) == example.result)
    }
    @Test func diffThenApplyReproducesTheChangeAndKeepsUnknownFields() throws {
        let original: JSONValue = ["spec": ["replicas": 3, "flavor": "mariadb", "config": ["a": "1"]], "metadata": ["name": "x"]]
        let modified: JSONValue = ["spec": ["replicas": 5, "config": ["a": "1", "b": "2"]], "metadata": ["name": "x"]]
        let patch = try #require(MergePatch.diff(from: original, to: modified))
        #expect(patch == ["spec": ["replicas": 5, "flavor": nil, "config": ["b": "2"]]])
        #expect(MergePatch.apply(patch, to: original) == modified)
        // The raw object has a field the typed model never saw; the patch leaves it alone.
        var raw = original
        raw[path: ["spec", "futureField"]] = "kept"
        var expected = modified
        expected[path: ["spec", "futureField"]] = "kept"
        #expect(MergePatch.apply(patch, to: raw) == expected)
        #expect(MergePatch.diff(from: original, to: original) == nil)
    }
}
