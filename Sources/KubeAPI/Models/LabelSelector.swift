/// `metav1.LabelSelector`: how StatefulSets, Deployments and PodDisruptionBudgets find their pods.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// The selector in the query syntax of `?labelSelector=` (`app=mysql,tier in (db)`), with
    /// keys sorted so that equal selectors give equal strings.
    public var queryString: String {
        var terms = (matchLabels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        for requirement in matchExpressions ?? [] {
            let values = (requirement.values ?? []).sorted().joined(separator: ",")
            switch requirement.operator {
            case "In": terms.append("\(requirement.key) in (\(values))")
            case "NotIn": terms.append("\(requirement.key) notin (\(values))")
            case "Exists": terms.append(requirement.key)
            case "DoesNotExist": terms.append("!\(requirement.key)")
            default: continue
            }
        }
        return terms.joined(separator: ",")
    }
}

public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    public var `operator`: String
    public var values: [String]?

    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}
