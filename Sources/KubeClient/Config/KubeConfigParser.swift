import Foundation
import KubeAPI
import Yams

/// Parses one kubeconfig file. Relative paths are resolved against the file's directory, as
/// kubectl does, so the result does not depend on the current directory.
public struct KubeConfigParser: Sendable {
    /// The file's path (used for relative paths and in every error message).
    public var file: String

    public init(file: String) {
        self.file = file
    }

    public func parse(_ text: String) throws -> KubeConfig {
        let yaml = YAMLFields(file: file)
        var config = KubeConfig()
        config.files = [file]
        guard let root = try yaml.parse(text) else { return config }  // an empty file is an empty config
        guard root.mapping != nil else { throw yaml.fail(root, "the document", "must be a mapping (apiVersion, clusters, users, contexts)") }

        // Entries are checked for their shape here, but a missing setting is only an error when
        // the entry is used: kubectl loads files with stale, half-written entries as long as the
        // chosen context is complete, and so must we.
        for (index, item) in try yaml.sequence(root["clusters"], "clusters").enumerated() {
            // Within one file the last entry of a name wins, as in client-go.
            if let cluster = try parseCluster(item, at: "clusters[\(index)]", yaml) { config.clusters[cluster.name] = cluster }
        }
        for (index, item) in try yaml.sequence(root["users"], "users").enumerated() {
            if let user = try parseUser(item, at: "users[\(index)]", yaml) { config.users[user.name] = user }
        }
        for (index, item) in try yaml.sequence(root["contexts"], "contexts").enumerated() {
            if let context = try parseContext(item, at: "contexts[\(index)]", yaml) { config.contexts[context.name] = context }
        }
        if let current = try yaml.string(root["current-context"], "current-context"), !current.isEmpty {
            config.currentContext = current
            config.currentContextOrigin = file
        }
        return config
    }

    /// The name and body of a named entry; nil for an entry without a name, which nothing can refer to.
    private func entry(_ item: Node, at path: String, body key: String, _ yaml: YAMLFields) throws -> (name: String, body: Node?)? {
        _ = try yaml.mapping(item, path)
        guard let name = try yaml.string(item["name"], "\(path).name"), !name.isEmpty else { return nil }
        let body = item[key]
        _ = try yaml.mapping(body, "\(path).\(key)")
        return (name, body)
    }

    private func parseCluster(_ item: Node, at path: String, _ yaml: YAMLFields) throws -> KubeConfig.Cluster? {
        guard let (name, body) = try entry(item, at: path, body: "cluster", yaml) else { return nil }
        let at = "\(path).cluster"
        var cluster = KubeConfig.Cluster(name: name, server: try yaml.string(body?["server"], "\(at).server") ?? "", origin: file)
        cluster.line = item.mark?.line
        cluster.certificateAuthority = try yaml.string(body?["certificate-authority"], "\(at).certificate-authority").flatMap(resolve)
        cluster.certificateAuthorityData = try yaml.base64(body?["certificate-authority-data"], "\(at).certificate-authority-data")
        cluster.insecureSkipTLSVerify = try yaml.bool(body?["insecure-skip-tls-verify"], "\(at).insecure-skip-tls-verify") ?? false
        cluster.tlsServerName = try yaml.string(body?["tls-server-name"], "\(at).tls-server-name").flatMap { $0.isEmpty ? nil : $0 }
        for (index, ext) in try yaml.sequence(body?["extensions"], "\(at).extensions").enumerated() {
            let extPath = "\(at).extensions[\(index)]"
            _ = try yaml.mapping(ext, extPath)
            if try yaml.string(ext["name"], "\(extPath).name") == "client.authentication.k8s.io/exec", let value = ext["extension"] {
                cluster.execExtension = yaml.json(value)
            }
        }
        return cluster
    }

    private func parseUser(_ item: Node, at path: String, _ yaml: YAMLFields) throws -> KubeConfig.User? {
        guard let (name, body) = try entry(item, at: path, body: "user", yaml) else { return nil }
        let at = "\(path).user"
        var user = KubeConfig.User(name: name, origin: file)
        user.line = item.mark?.line
        user.token = try yaml.string(body?["token"], "\(at).token").flatMap { $0.isEmpty ? nil : $0 }
        user.tokenFile = try yaml.string(body?["tokenFile"], "\(at).tokenFile").flatMap(resolve)
        user.clientCertificate = try yaml.string(body?["client-certificate"], "\(at).client-certificate").flatMap(resolve)
        user.clientCertificateData = try yaml.base64(body?["client-certificate-data"], "\(at).client-certificate-data")
        user.clientKey = try yaml.string(body?["client-key"], "\(at).client-key").flatMap(resolve)
        user.clientKeyData = try yaml.base64(body?["client-key-data"], "\(at).client-key-data")
        if let provider = try yaml.mapping(body?["auth-provider"], "\(at).auth-provider") {
            user.authProvider = try yaml.string(provider["name"], "\(at).auth-provider.name") ?? "unnamed"
        }
        if let exec = body?["exec"], try yaml.mapping(exec, "\(at).exec") != nil {
            user.exec = try parseExec(exec, at: "\(at).exec", yaml)
        }
        return user
    }

    private func parseExec(_ node: Node, at path: String, _ yaml: YAMLFields) throws -> ExecConfig {
        let command = try yaml.string(node["command"], "\(path).command") ?? ""
        let apiVersion = try yaml.string(node["apiVersion"], "\(path).apiVersion") ?? ""
        // A command with a path separator is a path relative to the kubeconfig; a bare name is
        // looked up in PATH when the plugin runs (client-go's rule).
        var exec = ExecConfig(command: command.contains("/") ? resolve(command) ?? command : command, apiVersion: apiVersion)
        exec.args = try yaml.stringList(node["args"], "\(path).args")
        for (index, item) in try yaml.sequence(node["env"], "\(path).env").enumerated() {
            let envPath = "\(path).env[\(index)]"
            _ = try yaml.mapping(item, envPath)
            let name = try yaml.requiredString(item["name"], "\(envPath).name", in: item)
            exec.env.append((name, try yaml.string(item["value"], "\(envPath).value") ?? ""))
        }
        exec.installHint = try yaml.string(node["installHint"], "\(path).installHint")
        exec.provideClusterInfo = try yaml.bool(node["provideClusterInfo"], "\(path).provideClusterInfo") ?? false
        exec.interactiveMode = try yaml.string(node["interactiveMode"], "\(path).interactiveMode")
        return exec
    }

    private func parseContext(_ item: Node, at path: String, _ yaml: YAMLFields) throws -> KubeConfig.Context? {
        guard let (name, body) = try entry(item, at: path, body: "context", yaml) else { return nil }
        let at = "\(path).context"
        var context = KubeConfig.Context(
            name: name,
            cluster: try yaml.string(body?["cluster"], "\(at).cluster") ?? "",
            user: try yaml.string(body?["user"], "\(at).user") ?? "",
            namespace: try yaml.string(body?["namespace"], "\(at).namespace").flatMap { $0.isEmpty ? nil : $0 },
            origin: file)
        context.line = item.mark?.line
        return context
    }

    /// Resolves `path` against the directory of this kubeconfig; empty means unset.
    private func resolve(_ path: String) -> String? {
        guard !path.isEmpty else { return nil }
        if path.hasPrefix("/") { return path }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }
}
