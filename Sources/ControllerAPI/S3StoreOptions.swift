import QiniuAPI
import RoleFlags

/// An S3 backup store as the controller's command line gives it (`--backup-s3`,
/// `--restore-from-s3`): one value of `key=value` pairs, like a container runtime's `--mount`:
///
///     endpoint=https://s3.example.com,bucket=backups,prefix=prod/,credentials=/etc/qmysql/s3
///
/// The secrets stay in files: `credentials` is a directory with `access-key-id` and
/// `secret-access-key` (the credentials Secret's keys, mounted as files of the same names), `ca`
/// a PEM bundle, `sse-key` the SSE-C key.
public struct S3StoreOptions: Sendable, Hashable, Codable {
    public var endpoint: String
    public var bucket: String
    /// Backups are at `prefix` `CLUSTER/ID/`; empty: the bucket's root.
    public var prefix: String = ""
    public var region: String = S3StoreSpec.defaultRegion
    public var virtualHost = false
    public var credentialsDirectory: String
    public var caFile: String?
    public var encryption: S3EncryptionMode?
    /// The SSE-C key's file (with `encryption` `.customerKey`).
    public var customerKeyFile: String?

    public init(endpoint: String, bucket: String, prefix: String = "", region: String = S3StoreSpec.defaultRegion, virtualHost: Bool = false,
                credentialsDirectory: String, caFile: String? = nil, encryption: S3EncryptionMode? = nil, customerKeyFile: String? = nil) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.virtualHost = virtualHost
        self.credentialsDirectory = credentialsDirectory
        self.caFile = caFile
        self.encryption = encryption
        self.customerKeyFile = customerKeyFile
    }

    /// The flag's value: every pair this store has, in a fixed order.
    public var argument: String {
        var pairs = [("endpoint", endpoint), ("bucket", bucket), ("prefix", prefix), ("region", region),
                     ("addressing", virtualHost ? "virtualHost" : "path"), ("credentials", credentialsDirectory)]
        if let caFile { pairs.append(("ca", caFile)) }
        if let encryption { pairs.append(("sse", encryption.rawValue)) }
        if let customerKeyFile { pairs.append(("sse-key", customerKeyFile)) }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    static let keys = ["endpoint", "bucket", "prefix", "region", "addressing", "credentials", "ca", "sse", "sse-key"]

    /// Reads `argument`'s form; `flag` names the option in errors.
    public init(argument: String, flag: String) throws(RoleFlagProblem) {
        var values: [String: String] = [:]
        for pair in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw RoleFlagProblem("--\(flag): '\(pair)' is not KEY=VALUE; give endpoint=URL,bucket=NAME,credentials=DIR[,prefix=P/][,region=R][,addressing=path|virtualHost][,ca=FILE][,sse=SSE-S3|SSE-C][,sse-key=FILE]")
            }
            let key = String(pair[..<equals])
            guard Self.keys.contains(key) else {
                throw RoleFlagProblem("--\(flag): unknown key '\(key)'; the keys are \(Self.keys.joined(separator: ", "))")
            }
            guard values[key] == nil else { throw RoleFlagProblem("--\(flag): '\(key)' is given twice") }
            values[key] = String(pair[pair.index(after: equals)...])
        }
        for required in ["endpoint", "bucket", "credentials"] where (values[required] ?? "").isEmpty {
            throw RoleFlagProblem("--\(flag) needs \(required)=...")
        }
        self.init(endpoint: values["endpoint"]!, bucket: values["bucket"]!, credentialsDirectory: values["credentials"]!)
        if let prefix = values["prefix"] {
            guard prefix.isEmpty || (prefix.hasSuffix("/") && !prefix.hasPrefix("/")) else {
                throw RoleFlagProblem("--\(flag): prefix '\(prefix)' must not start with '/' and must end with '/', like prod/")
            }
            self.prefix = prefix
        }
        if let region = values["region"], !region.isEmpty { self.region = region }
        switch values["addressing"] {
        case nil, "path": virtualHost = false
        case "virtualHost": virtualHost = true
        case let other?: throw RoleFlagProblem("--\(flag): addressing '\(other)' is not path or virtualHost")
        }
        caFile = values["ca"].flatMap { $0.isEmpty ? nil : $0 }
        if let sse = values["sse"] {
            guard let encryption = S3EncryptionMode(rawValue: sse) else {
                throw RoleFlagProblem("--\(flag): sse '\(sse)' is not one of \(S3EncryptionMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.encryption = encryption
        }
        customerKeyFile = values["sse-key"].flatMap { $0.isEmpty ? nil : $0 }
        if encryption == .customerKey, customerKeyFile == nil {
            throw RoleFlagProblem("--\(flag): sse=SSE-C needs sse-key=FILE, the file holding the 256-bit key")
        }
        if customerKeyFile != nil, encryption != .customerKey {
            throw RoleFlagProblem("--\(flag): sse-key is for sse=SSE-C only")
        }
    }
}
