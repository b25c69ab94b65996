/// What is wrong with the kubeconfig (or the in-cluster setup), said so that a person can
/// find the file and the line and fix it.
public enum KubeConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--kubeconfig` named a file that does not exist.
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case invalidYAML(file: String, line: Int?, column: Int?, problem: String)
    /// A setting has the wrong shape: `field` is a path like `clusters[0].cluster.server`.
    case invalidField(file: String, line: Int?, field: String, problem: String)
    /// No kubeconfig anywhere and not running in a pod.
    case noConfiguration(searched: [String])
    case noCurrentContext(files: [String], available: [String])
    case contextNotFound(name: String, files: [String], available: [String])
    case clusterNotFound(cluster: String, context: String, file: String)
    case userNotFound(user: String, context: String, file: String)
    /// A file a setting points to (`certificate-authority`, `client-key`, `tokenFile`) cannot be read.
    case unreadableReference(setting: String, path: String, owner: String, file: String, reason: String)
    /// PEM data that does not hold what the setting needs.
    case invalidPEM(setting: String, owner: String, file: String, problem: String)
    /// Two settings that cannot be used together, or one without its partner.
    case conflictingSettings(owner: String, file: String, problem: String)
    case unsupportedAuthProvider(user: String, provider: String, file: String)
    case invalidServerURL(server: String, cluster: String, file: String)
    /// The in-cluster service-account setup is incomplete.
    case inCluster(problem: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "kubeconfig \(path) does not exist; check the --kubeconfig path"
        case .unreadableFile(let path, let reason):
            return "cannot read kubeconfig \(path): \(reason)"
        case .invalidYAML(let file, let line, let column, let problem):
            let position = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
            return "kubeconfig \(file)\(position) is not valid YAML: \(problem)"
        case .invalidField(let file, let line, let field, let problem):
            let position = line.map { ":\($0)" } ?? ""
            return "kubeconfig \(file)\(position): \(field) \(problem)"
        case .noConfiguration(let searched):
            let places = searched.isEmpty ? "no kubeconfig files" : searched.joined(separator: ", ")
            return "no Kubernetes configuration found (looked at \(places)), and this is not a pod "
                + "(KUBERNETES_SERVICE_HOST is not set or the service-account token is missing); "
                + "pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
        case .noCurrentContext(let files, let available):
            return "no current-context is set in \(Self.list(files)); pass --context"
                + Self.choices(available)
        case .contextNotFound(let name, let files, let available):
            return "context \"\(name)\" is not defined in \(Self.list(files))" + Self.choices(available)
        case .clusterNotFound(let cluster, let context, let file):
            return "context \"\(context)\" (in \(file)) refers to cluster \"\(cluster)\", which no kubeconfig file defines"
        case .userNotFound(let user, let context, let file):
            return "context \"\(context)\" (in \(file)) refers to user \"\(user)\", which no kubeconfig file defines"
        case .unreadableReference(let setting, let path, let owner, let file, let reason):
            return "cannot read \(setting) \(path) of \(owner) (set in \(file)): \(reason)"
        case .invalidPEM(let setting, let owner, let file, let problem):
            return "\(setting) of \(owner) (in \(file)): \(problem)"
        case .conflictingSettings(let owner, let file, let problem):
            return "\(owner) in \(file): \(problem)"
        case .unsupportedAuthProvider(let user, let provider, let file):
            return "user \"\(user)\" in \(file) uses auth-provider \"\(provider)\", which is not supported "
                + "(kubectl dropped it too); switch the user to an exec credential plugin"
        case .invalidServerURL(let server, let cluster, let file):
            return "cluster \"\(cluster)\" in \(file) has server \"\(server)\", which is not an https:// or http:// URL"
        case .inCluster(let problem):
            return "in-cluster configuration: \(problem)"
        }
    }

    private static func list(_ files: [String]) -> String {
        files.isEmpty ? "the kubeconfig" : files.joined(separator: ", ")
    }

    private static func choices(_ available: [String]) -> String {
        available.isEmpty ? " (no contexts are defined)" : " (defined: \(available.sorted().joined(separator: ", ")))"
    }
}
