import Foundation
import KubeAPI

/// Turning the chosen context of a merged kubeconfig into a `ClientConfiguration`: the server
/// URL, what to trust, and how to authenticate, each checked with a message naming the file.
extension KubeConfigLoader {
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
}
