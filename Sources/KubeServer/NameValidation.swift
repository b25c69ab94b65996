import KubeAPI

/// The name rules kube-apiserver applies (k8s.io/apimachinery/pkg/util/validation), with its
/// exact messages. Each function returns the problems found; an empty list means valid.
enum NameValidation {
    /// Which rule a resource's `metadata.name` follows.
    enum Rule: Sendable {
        /// DNS-1123 subdomain: most resources.
        case subdomain
        /// DNS-1123 label: namespaces.
        case label
        /// DNS-1035 label: services.
        case dns1035
        /// Only `/`, `%`, `.` and `..` are forbidden: RBAC roles.
        case pathSegment

        func problems(_ name: String, prefix: Bool = false) -> [String] {
            // generateName may end in '-': kube masks that trailing dash before checking.
            var checked = name
            if prefix, checked.hasSuffix("-") { checked = String(checked.dropLast()) + "a" }
            switch self {
            case .subdomain: return NameValidation.dns1123Subdomain(checked)
            case .label: return NameValidation.dns1123Label(checked)
            case .dns1035: return NameValidation.dns1035Label(checked)
            case .pathSegment: return NameValidation.pathSegment(name, prefix: prefix)
            }
        }
    }

    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    static func dns1123Label(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !isLabel(value) { problems.append(labelMessage) }
        return problems
    }

    static func dns1123Subdomain(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        if value.isEmpty || !parts.allSatisfy({ isLabel(String($0)) }) { problems.append(subdomainMessage) }
        return problems
    }

    static func dns1035Label(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !isLabel(value) || !(value.first?.isLowercaseASCIILetter ?? false) { problems.append(dns1035Message) }
        return problems
    }

    static func pathSegment(_ value: String, prefix: Bool) -> [String] {
        var problems: [String] = []
        if !prefix, value == "." || value == ".." { problems.append("may not be '\(value)'") }
        for forbidden in ["/", "%"] where value.contains(forbidden) {
            problems.append("may not contain '\(forbidden)'")
        }
        return problems
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    static func isLabel(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == 0x2d }
    }

    // MARK: Labels and qualified names

    static let qualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let qualifiedNameFormatMessage = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    /// `IsQualifiedName`: `[prefix/]name` as used by label keys, annotation keys and finalizers.
    static func qualifiedName(_ value: String) -> [String] {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var name = value
        var problems: [String] = []
        switch parts.count {
        case 1: break
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                problems.append("prefix part must be non-empty")
            } else {
                problems += dns1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        default:
            return [qualifiedNameFormatMessage]
        }
        if name.isEmpty {
            problems.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            problems.append("name part must be no more than 63 characters")
        }
        if !name.isEmpty, !isLabelValueBody(name) { problems.append(qualifiedNameMessage) }
        return problems
    }

    static func labelValue(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !value.isEmpty, !isLabelValueBody(value) { problems.append(labelValueMessage) }
        return problems
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func isLabelValueBody(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
        }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }
}

private extension Character {
    var isLowercaseASCIILetter: Bool { ("a"..."z").contains(self) }
}
