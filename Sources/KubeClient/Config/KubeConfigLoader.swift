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
