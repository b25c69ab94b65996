import Foundation
import Testing

@testable import KubeAPI

/// The hand-written parser against the `Decodable` path it replaced (`JSONDecoder` into
/// `JSONValue`): the same value for every valid document, a located error for invalid ones, and
/// `compactBytes` reading back to the same value.
@Suite struct JSONBytesTests {
    /// The `Decodable` conformance, through Foundation: the reference.
    static func reference(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static let documents: [String] = [
        "null", "true", "false", "0", "-0", "1.0", "-0.0", "1e3", "1E2", "0.1e1", "2.5e-1", "1.5", "-17",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
        "100000000000000000000.0", "1.7976931348623157e308", "5e-324", "0.1", "3.141592653589793",
        #""""#, #""plain""#, #""a\"b\\c\/d\b\f\n\r\t""#, #""\u0041\u00e9\u4e2d""#, #""\ud83d\ude00 and \uD83D\uDE00""#,
        #""a\u0000b""#, "\"caf\u{e9} \u{1F600}\"", " [ ] ", "{}", "[[[]]]", #"{"a":{"b":[1,2,{"c":null}]}}"#,
        #"{"a":1,"a":2}"#, " \t\n\r{ \"k\" : [ 1 , 2 ] } \n",
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"app.kubernetes.io/name":"qmysql"}},"data":{"my.cnf":"[mysqld]\nmax_connections=500\n"}}"#,
    ]

    @Test(arguments: documents)
    func sameValueAsTheDecodablePath(text: String) throws {
        #expect(try JSONValue.parse(Data(text.utf8)) == Self.reference(text), "\(text)")
    }

    @Test("the renderer's golden objects and the CRDs parse to what JSONDecoder gives")
    func largeDocuments() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("OperatorTests/Golden")
        let files = try FileManager.default.contentsOfDirectory(atPath: golden.path).filter { $0.hasSuffix(".json") }
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: golden.appendingPathComponent(file))
            let parsed = try JSONValue.parse(data)
            #expect(parsed == (try JSONDecoder().decode(JSONValue.self, from: data)), "\(file)")
            #expect(try JSONValue.parse(parsed.compactBytes()) == parsed, "\(file) reads back from its compact text")
        }
    }

    @Test(arguments: [
        ("", "the text ends"), ("[1,]", "unexpected character"), ("{\"a\":1,}", "expected a key"), ("01", "leading zero"),
        ("1.", "digits after '.'"), ("1e", "exponent"), ("-", "needs digits"), ("1e400", "out of range"), ("1 2", "text after"),
        ("\"\\ud800\"", "lone surrogate"), ("\"\\udc00\"", "lone surrogate"), ("\"\t\"", "control character"), ("\"abc", "ends inside a string"),
        ("\"\\x\"", "unknown escape"), ("\"\\u12zz\"", "four hex digits"), ("\"\\u12", "ends inside a \\u escape"), ("tru", "expected true"), ("{\"a\" 1}", "expected ':'"),
        ("[1 2]", "expected ',' or ']'"), ("{\"a\":1 \"b\":2}", "expected ',' or '}'"),
    ])
    func invalidDocumentsSayWhere(text: String, reason: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data(text.utf8)) }
        do {
            _ = try JSONValue.parse(Data(text.utf8))
        } catch {
            #expect("\(error)".contains(reason), "\(text): \(error)")
            #expect("\(error)".hasPrefix("invalid JSON at byte "))
        }
        // What Foundation refuses too (it accepts a trailing comma; JSON does not).
        if !text.contains(",]") && !text.contains(",}") { #expect(throws: (any Error).self) { try Self.reference(text) } }
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data(deep.utf8)) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue.parse(Data(fine.utf8))) != nil)
    }

    @Test("compact text reads back to the same value: escapes, control characters, every kind of number")
    func compactBytesRoundTrip() throws {
        let values: [JSONValue] = [
            .string("quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} unit \u{1F} é 中 😀"),
            .double(0.1), .double(-2.5), .double(1e-7), .double(1.7976931348623157e308), .double(5e-324), .double(1e20),
            .int(.max), .int(.min), .int(0), .bool(true), .null, [:], [], ["a": ["b": [1, 2.5, "x", nil]]],
        ]
        for value in values {
            let text = value.compactBytes()
            #expect(try JSONValue.parse(text) == value, "\(String(decoding: text, as: UTF8.self))")
            #expect(try JSONDecoder().decode(JSONValue.self, from: text) == value, "Foundation reads it the same")
        }
    }
}
