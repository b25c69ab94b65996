import Foundation
import KubeAPI

/// Finds, reads and merges kubeconfig files exactly where kubectl looks, and resolves the
/// chosen context into a `ClientConfiguration`:
///
/// 1. `--kubeconfig FILE`: that file only; a missing file is an error.
/// 2. else `KUBECONFIG=a:b:c`: those files merged in order (the first definition of a name
///    wins, the first `current-context` wins); missing files are skipped.
/// 3. else `~/.kube/config`.
/// 4. when all of that is empty: the in-cluster service account, if this is a pod.
public struct KubeConfigLoader: Sendable {
    public var environment: [String: String]
    public var inClusterPaths: InClusterPaths

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, inClusterPaths: InClusterPaths = .standard) {
        self.environment = environment
        self.inClusterPaths = inClusterPaths
    }

    /// The files kubectl would consider, in merge order, and whether they must exist.
    public func candidateFiles(explicit: String?) -> (files: [String], mustExist: Bool) {
        if let explicit, !explicit.isEmpty { return ([explicit], true) }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
            return (files, false)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return ([home + "/.kube/config"], false)
    }

    /// Reads and merges the kubeconfig files (without choosing a context).
    public func loadKubeConfig(explicit: String? = nil) throws(KubeConfigError) -> KubeConfig {
        let (files, mustExist) = candidateFiles(explicit: explicit)
        var merged = KubeConfig()
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else {
                if mustExist { throw .fileNotFound(path: file) }
                continue
            }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw .unreadableFile(path: file, reason: Self.reason(error))
            }
            do {
                merged.merge(try KubeConfigParser(file: file).parse(text))
            } catch let error as KubeConfigError {
                throw error
            } catch {
                throw .unreadableFile(path: file, reason: "\(error)")
            }
        }
        return merged
    }

    /// The configuration a client should use for `options`.
    public func load(options: ClientOptions = ClientOptions()) throws(KubeConfigError) -> ClientConfiguration {
        let config = try loadKubeConfig(explicit: options.kubeconfig)
        if config.isEmpty {
            if let inCluster = try inClusterConfiguration(options: options) { return inCluster }
            throw .noConfiguration(searched: candidateFiles(explicit: options.kubeconfig).files)
        }
        return try resolve(config, options: options)
    }

    /// The service-account configuration when running in a pod, nil elsewhere.
    public func inClusterConfiguration(options: ClientOptions = ClientOptions()) throws(KubeConfigError) -> ClientConfiguration? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty,
              FileManager.default.fileExists(atPath: inClusterPaths.token)
        else { return nil }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var tls = TLSSettings()
        if FileManager.default.fileExists(atPath: inClusterPaths.certificateAuthority) {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: inClusterPaths.certificateAuthority))
            } catch {
                throw .inCluster(problem: "cannot read \(inClusterPaths.certificateAuthority): \(Self.reason(error))")
            }
            do {
                tls.trustRoots = try TLSSettings.certificates(fromPEM: data)
            } catch {
                throw .inCluster(problem: "\(inClusterPaths.certificateAuthority) \(error)")
            }
            tls.trustRootsOrigin = inClusterPaths.certificateAuthority
        }
        let fileNamespace = (try? String(contentsOfFile: inClusterPaths.namespace, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let namespace = [options.namespace, environment["POD_NAMESPACE"], fileNamespace]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "default"
        return ClientConfiguration(
            server: "https://\(hostPart):\(port)", tls: tls, credentials: .tokenFile(path: inClusterPaths.token),
            namespace: namespace, configFiles: [], credentialOrigin: "service-account token \(inClusterPaths.token)",
            requestTimeout: options.requestTimeout, environment: environment)
    }

    /// Chooses the context and turns its cluster and user into a client configuration.
    public func resolve(_ config: KubeConfig, options: ClientOptions) throws(KubeConfigError) -> ClientConfiguration {
        let available = config.contexts.keys.sorted()
        guard let contextName = options.context.flatMap({ $0.isEmpty ? nil : $0 }) ?? config.currentContext else {
            throw .noCurrentContext(files: config.files, available: available)
        }
        guard let context = config.contexts[contextName] else {
            throw .contextNotFound(name: contextName, files: config.files, available: available)
        }
        guard !context.cluster.isEmpty else {
            throw .invalidField(file: context.origin, line: context.line, field: "contexts[\"\(contextName)\"].context.cluster", problem: "is missing")
        }
        guard let cluster = config.clusters[context.cluster] else {
            throw .clusterNotFound(cluster: context.cluster, context: contextName, file: context.origin)
        }
        var user: KubeConfig.User?
        if !context.user.isEmpty {
            guard let found = config.users[context.user] else {
                throw .userNotFound(user: context.user, context: contextName, file: context.origin)
            }
            user = found
        }
        let server = try serverURL(cluster)
        var tls = try trust(cluster)
        var credentials = CredentialSource.none
        if let user {
            tls.clientIdentity = try clientIdentity(user)
            credentials = try credentialSource(user, cluster: cluster, tls: tls)
        }
        let namespace = options.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? context.namespace ?? "default"
        return ClientConfiguration(
            server: server, tls: tls, credentials: credentials, namespace: namespace, contextName: contextName,
            clusterName: cluster.name, userName: user?.name, configFiles: config.files,
            credentialOrigin: user?.origin, requestTimeout: options.requestTimeout, environment: environment)
    }

    private func serverURL(_ cluster: KubeConfig.Cluster) throws(KubeConfigError) -> String {
        guard !cluster.server.isEmpty else {
            throw .invalidField(file: cluster.origin, line: cluster.line, field: "clusters[\"\(cluster.name)\"].cluster.server", problem: "is missing")
        }
        // client-go accepts `host:port` and assumes https.
        let server = cluster.server.contains("://") ? cluster.server : "https://" + cluster.server
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty
        else { throw .invalidServerURL(server: cluster.server, cluster: cluster.name, file: cluster.origin) }
        return server.hasSuffix("/") ? String(server.dropLast()) : server
    }

    private func trust(_ cluster: KubeConfig.Cluster) throws(KubeConfigError) -> TLSSettings {
        let owner = "cluster \"\(cluster.name)\""
        var tls = TLSSettings(serverName: cluster.tlsServerName)
        tls.insecureSkipVerify = cluster.insecureSkipTLSVerify
        // As in client-go, inline data wins over a file.
        let (pem, setting, origin): (Data?, String, String?)
        if let data = cluster.certificateAuthorityData {
            (pem, setting, origin) = (data, "certificate-authority-data", "certificate-authority-data of \(owner) in \(cluster.origin)")
        } else if let path = cluster.certificateAuthority {
            (pem, setting, origin) = (try read(path, setting: "certificate-authority", owner: owner, file: cluster.origin),
                                      "certificate-authority \(path)", "certificate-authority \(path) of \(owner)")
        } else {
            (pem, setting, origin) = (nil, "", nil)
        }
        guard let pem else { return tls }
        if cluster.insecureSkipTLSVerify {
            throw .conflictingSettings(owner: owner, file: cluster.origin,
                                       problem: "insecure-skip-tls-verify cannot be combined with a certificate authority; remove one of them")
        }
        do {
            tls.trustRoots = try TLSSettings.certificates(fromPEM: pem)
        } catch {
            throw .invalidPEM(setting: setting, owner: owner, file: cluster.origin, problem: error.description)
        }
        tls.trustRootsOrigin = origin
        return tls
    }

    private func clientIdentity(_ user: KubeConfig.User) throws(KubeConfigError) -> ClientIdentity? {
        let owner = "user \"\(user.name)\""
        var certificate = user.clientCertificateData
        if certificate == nil, let path = user.clientCertificate {
            certificate = try read(path, setting: "client-certificate", owner: owner, file: user.origin)
        }
        var key = user.clientKeyData
        if key == nil, let path = user.clientKey {
            key = try read(path, setting: "client-key", owner: owner, file: user.origin)
        }
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw .conflictingSettings(owner: owner, file: user.origin, problem: "client-certificate is set but client-key is not; set both or neither")
        case (nil, .some):
            throw .conflictingSettings(owner: owner, file: user.origin, problem: "client-key is set but client-certificate is not; set both or neither")
        case (let certificate?, let key?):
            do {
                return try ClientIdentity(certificatePEM: certificate, keyPEM: key)
            } catch {
                let setting: String
                switch error {
                case .certificate: setting = user.clientCertificateData != nil ? "client-certificate-data" : "client-certificate \(user.clientCertificate ?? "")"
                case .key: setting = user.clientKeyData != nil ? "client-key-data" : "client-key \(user.clientKey ?? "")"
                case .mismatch: setting = "client-certificate and client-key"
                }
                throw .invalidPEM(setting: setting, owner: owner, file: user.origin, problem: error.description)
            }
        }
    }

    private func credentialSource(_ user: KubeConfig.User, cluster: KubeConfig.Cluster, tls: TLSSettings) throws(KubeConfigError) -> CredentialSource {
        let owner = "user \"\(user.name)\""
        if let provider = user.authProvider, user.exec == nil {
            throw .unsupportedAuthProvider(user: user.name, provider: provider, file: user.origin)
        }
        if let exec = user.exec {
            if user.token != nil || user.tokenFile != nil {
                throw .conflictingSettings(owner: owner, file: user.origin, problem: "both a token and an exec plugin are set; keep one of them")
            }
            let field = "users[\"\(user.name)\"].user.exec"
            guard !exec.command.isEmpty else {
                throw .invalidField(file: user.origin, line: user.line, field: "\(field).command", problem: "is missing")
            }
            guard !exec.apiVersion.isEmpty else {
                throw .invalidField(file: user.origin, line: user.line, field: "\(field).apiVersion", problem: "is missing")
            }
            guard ExecCredentialVersion(rawValue: exec.apiVersion) != nil else {
                throw .invalidField(file: user.origin, line: user.line, field: "\(field).apiVersion",
                                    problem: "is \"\(exec.apiVersion)\"; supported are \(ExecCredentialVersion.allCases.map(\.rawValue).joined(separator: " and "))")
            }
            var info: ExecClusterInfo?
            if exec.provideClusterInfo {
                let caData = cluster.certificateAuthorityData ?? (try? cluster.certificateAuthority.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }) ?? nil
                info = ExecClusterInfo(server: cluster.server, tlsServerName: cluster.tlsServerName,
                                       insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                                       certificateAuthorityData: caData, config: cluster.execExtension)
            }
            return .exec(exec, cluster: info)
        }
        // As in client-go, an inline token wins over tokenFile.
        if let token = user.token { return .token(token) }
        if let path = user.tokenFile {
            _ = try read(path, setting: "tokenFile", owner: owner, file: user.origin)
            return .tokenFile(path: path)
        }
        return .none
    }

    private func read(_ path: String, setting: String, owner: String, file: String) throws(KubeConfigError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableReference(setting: setting, path: path, owner: owner, file: file, reason: Self.reason(error))
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        return nsError.localizedDescription
    }
}
