import KubeSchema
/// A parsed `labelSelector` query parameter, with kube's grammar and matching rules
/// (k8s.io/apimachinery/pkg/labels): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
/// `a` (exists), `!a` (does not exist), `a>1`, `a<1`, joined by commas (all must hold).
struct LabelSelector: Sendable, Hashable {
    enum Operator: String, Sendable, Hashable {
        case equals = "="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    struct Requirement: Sendable, Hashable {
        var key: String
        var op: Operator
        var values: [String]

        func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals, .in: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let want = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? have > want : have < want
            }
        }
    }

    var requirements: [Requirement]

    static let everything = LabelSelector(requirements: [])

    var isEmpty: Bool { requirements.isEmpty }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    struct ParseError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// Parses the selector; the error text is what a 400 response carries.
    static func parse(_ text: String) throws(ParseError) -> LabelSelector {
        var lexer = Lexer(text)
        var requirements: [Requirement] = []
        var token = lexer.next()
        if token == .end { return .everything }
        while true {
            let (requirement, after) = try parseRequirement(first: token, lexer: &lexer)
            requirements.append(requirement)
            switch after {
            case .end:
                return LabelSelector(requirements: requirements)
            case .comma:
                token = lexer.next()
                if token == .end || token == .comma {
                    throw ParseError(description: "found '\(token.text)', expected: identifier after ','")
                }
            default:
                throw ParseError(description: "found '\(after.text)', expected: ',' or 'end of string'")
            }
        }
    }

    private static func parseRequirement(first: Token, lexer: inout Lexer) throws(ParseError) -> (Requirement, Token) {
        var token = first
        var negated = false
        if token == .bang {
            negated = true
            token = lexer.next()
        }
        guard case .identifier(let key) = token else {
            throw ParseError(description: "found '\(token.text)', expected: !, identifier or 'end of string'")
        }
        for problem in NameValidation.qualifiedName(key) {
            throw ParseError(description: "unable to parse requirement: invalid label key \(GoFormat.quote(key)): \(problem)")
        }
        let next = lexer.next()
        if negated {
            return (Requirement(key: key, op: .doesNotExist, values: []), next)
        }
        let op: Operator
        switch next {
        case .end, .comma: return (Requirement(key: key, op: .exists, values: []), next)
        case .equals, .doubleEquals: op = .equals
        case .notEquals: op = .notEquals
        case .greaterThan: op = .greaterThan
        case .lessThan: op = .lessThan
        case .identifier("in"): op = .in
        case .identifier("notin"): op = .notIn
        default:
            throw ParseError(description: "found '\(next.text)', expected: in, notin, =, ==, !=, gt, lt")
        }
        var values: [String] = []
        var after: Token
        switch op {
        case .in, .notIn:
            let open = lexer.next()
            guard open == .openParen else { throw ParseError(description: "found '\(open.text)', expected: '('") }
            var expectValue = true
            loop: while true {
                let item = lexer.next()
                switch item {
                case .closeParen:
                    if expectValue, !values.isEmpty { values.append("") }
                    break loop
                case .comma:
                    if expectValue { values.append("") }
                    expectValue = true
                case .identifier(let value) where expectValue:
                    values.append(value)
                    expectValue = false
                default:
                    throw ParseError(description: "found '\(item.text)', expected: ',', ')' or identifier")
                }
            }
            if values.isEmpty {
                throw ParseError(description: "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty")
            }
            after = lexer.next()
        default:
            let value = lexer.next()
            switch value {
            case .identifier(let text):
                values = [text]
                after = lexer.next()
            case .end, .comma:
                values = [""]
                after = value
            default:
                throw ParseError(description: "found '\(value.text)', expected: identifier")
            }
            if op == .greaterThan || op == .lessThan, Int64(values[0]) == nil {
                throw ParseError(description: "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        if op != .greaterThan, op != .lessThan {
            for value in values {
                for problem in NameValidation.labelValue(value) {
                    throw ParseError(description: "unable to parse requirement: invalid label value: \(GoFormat.quote(value)): at key: \(GoFormat.quote(key)): \(problem)")
                }
            }
        }
        return (Requirement(key: key, op: op, values: values), after)
    }

    private enum Token: Equatable {
        case identifier(String)
        case bang, equals, doubleEquals, notEquals, greaterThan, lessThan
        case openParen, closeParen, comma, end

        var text: String {
            switch self {
            case .identifier(let text): text
            case .bang: "!"
            case .equals: "="
            case .doubleEquals: "=="
            case .notEquals: "!="
            case .greaterThan: ">"
            case .lessThan: "<"
            case .openParen: "("
            case .closeParen: ")"
            case .comma: ","
            case .end: "end of string"
            }
        }
    }

    private struct Lexer {
        let chars: [Character]
        var position = 0

        init(_ text: String) { chars = Array(text) }

        static let special: Set<Character> = ["=", "!", "(", ")", ",", ">", "<"]

        mutating func next() -> Token {
            while position < chars.count, chars[position].isWhitespace { position += 1 }
            guard position < chars.count else { return .end }
            let c = chars[position]
            position += 1
            switch c {
            case "(": return .openParen
            case ")": return .closeParen
            case ",": return .comma
            case ">": return .greaterThan
            case "<": return .lessThan
            case "=":
                if position < chars.count, chars[position] == "=" { position += 1; return .doubleEquals }
                return .equals
            case "!":
                if position < chars.count, chars[position] == "=" { position += 1; return .notEquals }
                return .bang
            default:
                var text = String(c)
                while position < chars.count, !chars[position].isWhitespace, !Lexer.special.contains(chars[position]) {
                    text.append(chars[position])
                    position += 1
                }
                return .identifier(text)
            }
        }
    }
}
