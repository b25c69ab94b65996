import Foundation
import KubeAPI
import Testing
@testable import KubeSchema

/// The structural schema validator, defaulter and pruner against kube's wording.
@Suite("OpenAPI schema validation")
struct SchemaValidatorTests {
    func schema(_ json: JSONValue) throws -> OpenAPISchema { try OpenAPISchema(json: json) }

    func messages(_ value: JSONValue, _ schemaJSON: JSONValue, path: String = "spec.x") throws -> [String] {
        SchemaValidator.validate(value, schema: try schema(schemaJSON), path: path).map(\.message)
    }

    @Test("type mismatches name the type found, as kube-openapi does")
    func types() throws {
        #expect(try messages("3", ["type": "integer"]) == ["spec.x: Invalid value: \"string\": spec.x in body must be of type integer: \"string\""])
        #expect(try messages(3, ["type": "string"]) == ["spec.x: Invalid value: \"integer\": spec.x in body must be of type string: \"integer\""])
        #expect(try messages(true, ["type": "object"]) == ["spec.x: Invalid value: \"boolean\": spec.x in body must be of type object: \"boolean\""])
        #expect(try messages([1], ["type": "string"]) == ["spec.x: Invalid value: \"array\": spec.x in body must be of type string: \"array\""])
        #expect(try messages(1.5, ["type": "integer"]) == ["spec.x: Invalid value: \"number\": spec.x in body must be of type integer: \"number\""])
        #expect(try messages(2.0, ["type": "integer"]).isEmpty, "a whole float is an integer")
        #expect(try messages(2, ["type": "number"]).isEmpty)
        #expect(try messages(nil, ["type": "string"]) == ["spec.x: Invalid value: \"null\": spec.x in body must be of type string: \"null\""])
        #expect(try messages(nil, ["type": "string", "nullable": true]).isEmpty)
        let cause = SchemaValidator.validate("3", schema: try schema(["type": "integer"]), path: "spec.x")[0].cause
        #expect(cause.reason == "FieldValueTypeInvalid")
    }

    @Test("int-or-string accepts both and names both when neither")
    func intOrString() throws {
        let s: JSONValue = ["x-kubernetes-int-or-string": true]
        #expect(try messages(80, s).isEmpty)
        #expect(try messages("80%", s).isEmpty)
        #expect(try messages(true, s) == ["spec.x: Invalid value: \"boolean\": spec.x in body must be of type integer,string: \"boolean\""])
    }

    @Test("enum failures are NotSupported with JSON-quoted choices")
    func enums() throws {
        #expect(try messages(2, ["type": "integer", "enum": [1, 3, 5]]) == ["spec.x: Unsupported value: 2: supported values: \"1\", \"3\", \"5\""])
        #expect(try messages("Oracle", ["type": "string", "enum": ["MariaDB", "Percona"]]) == ["spec.x: Unsupported value: \"Oracle\": supported values: \"MariaDB\", \"Percona\""])
        #expect(try messages(3.0, ["type": "integer", "enum": [1, 3, 5]]).isEmpty)
        let error = SchemaValidator.validate(2, schema: try schema(["enum": [1]]), path: "spec.x")[0]
        #expect(error.kind == .notSupported)
    }

    @Test("numeric bounds, inclusive and exclusive, and multipleOf")
    func numbers() throws {
        #expect(try messages(0, ["type": "integer", "minimum": 1]) == ["spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1"])
        #expect(try messages(1, ["type": "integer", "minimum": 1, "exclusiveMinimum": true]) == ["spec.x: Invalid value: 1: spec.x in body should be greater than 1"])
        #expect(try messages(11, ["type": "integer", "maximum": 10]) == ["spec.x: Invalid value: 11: spec.x in body should be less than or equal to 10"])
        #expect(try messages(10, ["type": "integer", "maximum": 10, "exclusiveMaximum": true]) == ["spec.x: Invalid value: 10: spec.x in body should be less than 10"])
        #expect(try messages(0.25, ["type": "number", "minimum": 0.5]) == ["spec.x: Invalid value: 0.25: spec.x in body should be greater than or equal to 0.5"])
        #expect(try messages(7, ["type": "integer", "multipleOf": 5]) == ["spec.x: Invalid value: 7: spec.x in body should be a multiple of 5"])
        #expect(try messages(10, ["type": "integer", "minimum": 1, "maximum": 10, "multipleOf": 5]).isEmpty)
    }

    @Test("string length and pattern")
    func strings() throws {
        #expect(try messages("", ["type": "string", "minLength": 1]) == ["spec.x: Invalid value: \"\": spec.x in body should be at least 1 chars long"])
        let tooLong = SchemaValidator.validate("abcdef", schema: try schema(["type": "string", "maxLength": 5]), path: "spec.x")
        #expect(tooLong.map(\.message) == ["spec.x: Too long: may not be longer than 5"])
        #expect(tooLong.first?.kind == .tooLong)
        #expect(try messages("ünï", ["type": "string", "maxLength": 3]).isEmpty, "length counts characters, not bytes")
        #expect(try messages("10GB", ["type": "string", "pattern": "^[0-9]+(Mi|Gi)$"]) == ["spec.x: Invalid value: \"10GB\": spec.x in body should match '^[0-9]+(Mi|Gi)$'"])
        #expect(try messages("x10Gi", ["type": "string", "pattern": "[0-9]+Gi"]).isEmpty, "patterns match anywhere unless anchored")
    }

    @Test("arrays: item validation with indexed paths, min/max items, uniqueness")
    func arrays() throws {
        let s: JSONValue = ["type": "array", "minItems": 1, "maxItems": 2, "items": ["type": "string"]]
        #expect(try messages([], s) == ["spec.x: Invalid value: 0: spec.x in body should have at least 1 items"])
        let many = SchemaValidator.validate(["a", "b", "c"], schema: try schema(s), path: "spec.x")
        #expect(many.map(\.message) == ["spec.x: Too many: 3: must have at most 2 items"])
        #expect(many.first?.kind == .tooMany)
        #expect(try messages(["a", 1], s) == ["spec.x[1]: Invalid value: \"integer\": spec.x[1] in body must be of type string: \"integer\""])
        #expect(try messages(["a", "a"], ["type": "array", "uniqueItems": true, "items": ["type": "string"]]) == ["spec.x: Invalid value: \"\": spec.x in body shouldn't contain duplicates"])
        #expect(try messages(["a", "a"], ["type": "array", "x-kubernetes-list-type": "set", "items": ["type": "string"]]).count == 1)
    }

    @Test("required properties and nested paths")
    func objects() throws {
        let s: JSONValue = [
            "type": "object", "required": ["name"],
            "properties": [
                "name": ["type": "string"],
                "nodes": ["type": "array", "items": ["type": "object", "required": ["host"],
                                                     "properties": ["host": ["type": "string"], "port": ["type": "integer"]]]],
                "labels": ["type": "object", "additionalProperties": ["type": "string"]],
            ],
        ]
        let errors = SchemaValidator.validate(["nodes": [["port": "x"]], "labels": ["a": 1]], schema: try schema(s), path: "spec")
        #expect(errors.map(\.message) == [
            "spec.name: Required value",
            "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"",
            "spec.nodes[0].host: Required value",
            "spec.nodes[0].port: Invalid value: \"string\": spec.nodes[0].port in body must be of type integer: \"string\"",
        ])
        #expect(errors.first?.cause == StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.name"))
    }

    @Test("min/max properties")
    func properties() throws {
        let s: JSONValue = ["type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": ["type": "string"]]
        #expect(try messages([:], s) == ["spec.x: Invalid value: 0: spec.x in body should have at least 1 properties"])
        #expect(try messages(["a": "1", "b": "2"], s) == ["spec.x: Too many: 2: must have at most 1 items"])
    }

    @Test("anyOf, oneOf, allOf and not")
    func composition() throws {
        let anyOf: JSONValue = ["anyOf": [["type": "integer"], ["type": "string", "pattern": "^[0-9]+%$"]]]
        #expect(try messages(5, anyOf).isEmpty)
        #expect(try messages("50%", anyOf).isEmpty)
        #expect(try messages("half", anyOf) == ["spec.x: Invalid value: \"\": spec.x in body must validate at least one schema (anyOf)"])
        let oneOf: JSONValue = ["oneOf": [["type": "integer", "minimum": 0], ["type": "integer", "maximum": 10]]]
        #expect(try messages(20, oneOf).isEmpty)
        #expect(try messages(5, oneOf) == ["spec.x: Invalid value: \"\": spec.x in body must validate one and only one schema (oneOf)"])
        #expect(try messages(3, ["allOf": [["minimum": 5]]]) == ["spec.x: Invalid value: 3: spec.x in body should be greater than or equal to 5"])
        #expect(try messages("x", ["not": ["type": "string"]]) == ["spec.x: Invalid value: \"\": spec.x in body must not validate the schema (not)"])
    }

    @Test("the whole-object entry point skips metadata and reports from the root")
    func wholeObject() throws {
        let s: JSONValue = ["type": "object", "required": ["spec"], "properties": ["spec": ["type": "object"]]]
        let errors = SchemaValidator.validateObject(["metadata": ["name": 5], "kind": "X"], schema: try schema(s))
        #expect(errors.map(\.message) == ["spec: Required value"])
    }

    @Test("defaults fill absent and non-nullable null fields, recursively; nullable nulls stay")
    func defaulting() throws {
        let s = try schema([
            "type": "object",
            "properties": [
                "replicas": ["type": "integer", "default": 3],
                "mode": ["type": "string", "default": "fast"],
                "maybe": ["type": "string", "nullable": true, "default": "d"],
                "gone": ["type": "string"],
                "backup": ["type": "object", "default": [:], "properties": ["days": ["type": "integer", "default": 7]]],
                "nodes": ["type": "array", "items": ["type": "object", "properties": ["port": ["type": "integer", "default": 3306]]]],
            ],
        ])
        let result = SchemaDefaulter.applyDefaults(["mode": nil, "maybe": nil, "gone": nil, "nodes": [[:], ["port": 1]]], schema: s)
        #expect(result == ["replicas": 3, "mode": "fast", "maybe": nil, "backup": ["days": 7],
                           "nodes": [["port": 3306], ["port": 1]]])
    }

    @Test("pruning drops undeclared fields except under preserve-unknown-fields and at the root's type meta")
    func pruning() throws {
        let s = try schema([
            "type": "object",
            "properties": [
                "spec": ["type": "object", "properties": [
                    "known": ["type": "string"],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "map": ["type": "object", "additionalProperties": ["type": "object", "properties": ["a": ["type": "string"]]]],
                    "list": ["type": "array", "items": ["type": "object", "properties": ["a": ["type": "string"]]]],
                ]],
            ],
        ])
        let object: JSONValue = [
            "apiVersion": "v1", "kind": "K", "metadata": ["name": "n"], "junk": 1,
            "spec": ["known": "k", "unknown": 1, "free": ["anything": ["deep": true]],
                     "map": ["k1": ["a": "x", "b": "dropped"]], "list": [["a": "x", "c": "dropped"]]],
        ]
        let pruned = SchemaPruner.prune(object, schema: s)
        #expect(pruned == [
            "apiVersion": "v1", "kind": "K", "metadata": ["name": "n"],
            "spec": ["known": "k", "free": ["anything": ["deep": true]], "map": ["k1": ["a": "x"]], "list": [["a": "x"]]],
        ])
        #expect(SchemaPruner.unknownFields(object, schema: s) == ["junk", "spec.list[0].c", "spec.map.k1.b", "spec.unknown"])
    }

    @Test("root metadata survives pruning even when the schema declares it as a bare object")
    func metadataIsNeverPruned() throws {
        let s = try schema([
            "type": "object",
            "properties": ["metadata": ["type": "object"], "spec": ["type": "object", "properties": ["a": ["type": "string"]]]],
        ])
        let object: JSONValue = ["metadata": ["name": "n", "namespace": "ns", "labels": ["x": "y"]], "spec": ["a": "b"]]
        #expect(SchemaPruner.prune(object, schema: s) == object)
    }
}
