/// An authenticated user: the client certificate's CN and O values, or a token's entry.
public struct KubeUser: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String] = []) {
        self.name = name
        self.groups = groups
    }

    public var description: String { name }

    /// Members of `system:masters` pass every authorization check, as in kube.
    public static let mastersGroup = "system:masters"
}
