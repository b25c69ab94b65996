/// Quoting for the few values the agent puts into SQL text (option strings, names).
public enum SQLLiteral {
    /// A single-quoted string literal with quotes, backslashes and NULs escaped.
    public static func string(_ value: String) -> String {
        var out = "'"
        for scalar in value.unicodeScalars {
            switch scalar {
            case "'": out += "''"
            case "\\": out += "\\\\"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
