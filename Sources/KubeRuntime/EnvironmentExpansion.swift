/// The kubelet's expansion of `$(VAR)` in a container's command and args: a defined variable is
/// replaced, `$$` is a literal `$`, and anything else (an undefined `$(X)`) stays as written.
/// The playground's runtime expands rendered pod templates with it, exactly as a kubelet would,
/// and tests use it to parse rendered arguments with the roles' own parsers.
public enum EnvironmentExpansion {
    public static func expand(_ text: String, _ values: [String: String]) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
            } else if text[next] == "(", let close = text[next...].firstIndex(of: ")"),
                      let value = values[String(text[text.index(after: next)..<close])] {
                output += value
                index = text.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return output
    }
}
