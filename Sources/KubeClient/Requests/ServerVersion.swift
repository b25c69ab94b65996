/// `GET /version`.
public struct ServerVersion: Codable, Sendable, Hashable {
    public var major: String?
    public var minor: String?
    public var gitVersion: String?
    public var gitCommit: String?
    public var buildDate: String?
    public var goVersion: String?
    public var compiler: String?
    public var platform: String?
}
