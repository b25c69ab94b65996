import Foundation

extension XMLTree {
    /// One XML element of an S3 response: its local name (a namespace prefix dropped), attributes,
    /// child elements and text. Built by `XMLTree.parse`, a small but complete parser for
    /// well-formed documents: the prolog, comments, processing instructions, CDATA, character and
    /// the five predefined entity references, and attributes in either quote. A DOCTYPE is refused
    /// (S3 never sends one, and refusing it closes the door on entity expansion). Foundation's
    /// XMLParser is not used because it drags libxml2 into the one binary, which also runs as the
    /// agent inside database images that lack it.
    public struct Element: Sendable, Hashable {
        public var name: String
        public var attributes: [String: String]
        public var children: [XMLTree.Element]
        /// The element's own character data (not its children's), concatenated.
        public var text: String

        /// The first child named `name`.
        public func child(_ name: String) -> XMLTree.Element? { children.first { $0.name == name } }
        /// Every child named `name`, in order.
        public func children(_ name: String) -> [XMLTree.Element] { children.filter { $0.name == name } }
        /// The text of the first child named `name`.
        public func value(_ name: String) -> String? { child(name)?.text }
    }
}

/// A parser for the XML that S3 answers with (`parse`), into `Element` trees.
public enum XMLTree {
    public struct Malformed: Error, CustomStringConvertible, Equatable {
        public var offset: Int
        public var reason: String
        public var description: String { "malformed XML at byte \(offset): \(reason)" }
    }

    public static func parse(_ data: Data) throws(Malformed) -> XMLTree.Element {
        var parser = Parser(bytes: Array(data))
        return try parser.document()
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark may open the document.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        func fail(_ reason: String) -> Malformed { Malformed(offset: index, reason: reason) }

        var atEnd: Bool { index >= bytes.count }

        func peek(_ text: String) -> Bool {
            let wanted = Array(text.utf8)
            return index + wanted.count <= bytes.count && Array(bytes[index..<index + wanted.count]) == wanted
        }

        mutating func expect(_ text: String) throws(Malformed) {
            guard peek(text) else { throw fail("expected '\(text)'") }
            index += text.utf8.count
        }

        mutating func skipSpace() {
            while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Skips past `terminator`, returning what came before it.
        mutating func until(_ terminator: String, what: String) throws(Malformed) -> [UInt8] {
            let start = index
            while !atEnd {
                if peek(terminator) {
                    let body = Array(bytes[start..<index])
                    index += terminator.utf8.count
                    return body
                }
                index += 1
            }
            throw fail("unterminated \(what)")
        }

        /// Comments, processing instructions and space between markup.
        mutating func skipMisc() throws(Malformed) {
            while true {
                skipSpace()
                if peek("<!--") {
                    index += 4
                    _ = try until("-->", what: "comment")
                } else if peek("<?") {
                    index += 2
                    _ = try until("?>", what: "processing instruction")
                } else {
                    return
                }
            }
        }

        mutating func document() throws(Malformed) -> XMLTree.Element {
            try skipMisc()
            if peek("<!DOCTYPE") { throw fail("a DOCTYPE is not accepted") }
            guard peek("<") else { throw fail("no root element") }
            let root = try element()
            try skipMisc()
            guard atEnd else { throw fail("content after the root element") }
            return root
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), 0x80...0xFF:
                true
            default:
                false
            }
        }

        mutating func name() throws(Malformed) -> String {
            let start = index
            while !atEnd, Self.isNameByte(bytes[index]) { index += 1 }
            guard index > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// `prefix:local` → `local`.
        static func local(_ name: String) -> String {
            name.split(separator: ":", maxSplits: 1).last.map(String.init) ?? name
        }

        mutating func element() throws(Malformed) -> XMLTree.Element {
            try expect("<")
            let qualified = try name()
            var element = Element(name: Self.local(qualified), attributes: [:], children: [], text: "")
            while true {
                skipSpace()
                if peek("/>") {
                    index += 2
                    return element
                }
                if peek(">") {
                    index += 1
                    break
                }
                let attribute = try name()
                skipSpace()
                try expect("=")
                skipSpace()
                guard !atEnd, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                    throw fail("an attribute value must be quoted")
                }
                let quote = String(UnicodeScalar(bytes[index]))
                index += 1
                let raw = try until(quote, what: "attribute value")
                element.attributes[Self.local(attribute)] = try decodeText(raw)
            }
            // Content until the matching end tag.
            var text: [UInt8] = []
            while true {
                guard !atEnd else { throw fail("<\(qualified)> is never closed") }
                if peek("</") {
                    index += 2
                    let closing = try name()
                    guard closing == qualified else { throw fail("</\(closing)> closes <\(qualified)>") }
                    skipSpace()
                    try expect(">")
                    element.text = try decodeText(text)
                    return element
                } else if peek("<!--") {
                    index += 4
                    _ = try until("-->", what: "comment")
                } else if peek("<![CDATA[") {
                    index += 9
                    // CDATA is literal: kept apart from entity decoding by escaping its ampersands.
                    let literal = try until("]]>", what: "CDATA section")
                    text += Array(String(decoding: literal, as: UTF8.self).replacingOccurrences(of: "&", with: "&amp;").utf8)
                } else if peek("<?") {
                    index += 2
                    _ = try until("?>", what: "processing instruction")
                } else if peek("<") {
                    element.children.append(try self.element())
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
        }

        /// Character data with its references resolved.
        func decodeText(_ raw: [UInt8]) throws(Malformed) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            var out = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semicolon = rest[amp...].firstIndex(of: ";") else { throw fail("an '&' without ';'") }
                let reference = rest[rest.index(after: amp)..<semicolon]
                switch reference {
                case "lt": out += "<"
                case "gt": out += ">"
                case "amp": out += "&"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let scalar: UInt32?
                    if reference.hasPrefix("#x") { scalar = UInt32(reference.dropFirst(2), radix: 16) }
                    else if reference.hasPrefix("#") { scalar = UInt32(reference.dropFirst(), radix: 10) }
                    else { throw fail("unknown entity &\(reference);") }
                    guard let value = scalar, let character = UnicodeScalar(value) else { throw fail("bad character reference &\(reference);") }
                    out.unicodeScalars.append(character)
                }
                rest = rest[rest.index(after: semicolon)...]
            }
            return out + rest
        }
    }
}
