/// `spec.backup.s3` and `spec.restoreFrom.s3`: a bucket of an S3-compatible object store that
/// holds the backups, off the Kubernetes cluster. Backups are at `PREFIX` `CLUSTER/ID/`
/// (`data.xb.zst`, then `backup.json`, written last).
public struct S3StoreSpec: Codable, Sendable, Hashable {
    /// `https://host[:port]` (or `http://` on a trusted network): the S3 API's address.
    public var endpoint: String
    public var bucket: String
    /// Where this namespace's clusters keep their backups in the bucket; default `NAMESPACE/`.
    /// Empty: the bucket's root.
    public var prefix: String?
    /// The region requests are signed for. Default `us-east-1`, which most other servers accept.
    public var region: String?
    /// `path` (`https://host/bucket/key`, the default: what most S3-compatible servers want) or
    /// `virtualHost` (`https://bucket.host/key`, AWS's own style).
    public var addressing: S3Addressing?
    /// A Secret in the cluster's namespace with keys `access-key-id` and `secret-access-key`.
    /// Only the controller mounts it.
    public var credentialsSecret: String
    /// A Secret with key `ca.crt`: the CA bundle (PEM) of a private endpoint's certificate, trusted
    /// beside the system's.
    public var caSecret: String?
    public var serverSideEncryption: S3EncryptionSpec?

    public static let defaultRegion = "us-east-1"
    public static let accessKeyIDKey = "access-key-id"
    public static let secretAccessKeyKey = "secret-access-key"
    public static let caKey = "ca.crt"

    public init(endpoint: String, bucket: String, prefix: String? = nil, region: String? = nil, addressing: S3Addressing? = nil,
                credentialsSecret: String, caSecret: String? = nil, serverSideEncryption: S3EncryptionSpec? = nil) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.addressing = addressing
        self.credentialsSecret = credentialsSecret
        self.caSecret = caSecret
        self.serverSideEncryption = serverSideEncryption
    }

    /// The prefix in effect for a cluster in `namespace`.
    public func effectivePrefix(namespace: String) -> String { prefix ?? "\(namespace)/" }

    /// What the schema cannot say: the fields that go together, each problem naming its field
    /// (`path`: where this spec is, like `spec.backup.s3`).
    public func problems(at path: String) -> [String] {
        var problems: [String] = []
        if let prefix, !prefix.isEmpty, prefix.hasPrefix("/") || !prefix.hasSuffix("/") {
            problems.append("\(path).prefix '\(prefix)' must not start with '/' and must end with '/', like 'prod/'")
        }
        if let encryption = serverSideEncryption {
            switch encryption.mode {
            case .customerKey where encryption.customerKeySecret == nil:
                problems.append("\(path).serverSideEncryption.customerKeySecret is required with mode SSE-C: a Secret whose key '\(S3EncryptionSpec.customerKeyKey)' holds the 256-bit key")
            case .s3 where encryption.customerKeySecret != nil:
                problems.append("\(path).serverSideEncryption.customerKeySecret is for mode SSE-C only; remove it, or set mode SSE-C")
            default: break
            }
        }
        return problems
    }
}

public enum S3Addressing: String, Codable, Sendable, Hashable, CaseIterable {
    case path
    case virtualHost
}

/// Server-side encryption of the stored objects.
public struct S3EncryptionSpec: Codable, Sendable, Hashable {
    public var mode: S3EncryptionMode
    /// SSE-C: a Secret whose key `customer-key` holds the 256-bit key (32 bytes, or their
    /// base64). The store keeps no copy: without the key the backups cannot be read.
    public var customerKeySecret: String?

    public static let customerKeyKey = "customer-key"

    public init(mode: S3EncryptionMode, customerKeySecret: String? = nil) {
        self.mode = mode
        self.customerKeySecret = customerKeySecret
    }
}

public enum S3EncryptionMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// The server encrypts with its own keys (`x-amz-server-side-encryption: AES256`).
    case s3 = "SSE-S3"
    /// The server encrypts with a key sent with every request and never stored.
    case customerKey = "SSE-C"
}
