import Galera
import KubeAPI

/// The CustomResourceDefinitions of `mysql.qiniu.com`, as JSON the client applies and the local
/// API server enforces. The OpenAPI schemas are the one source of the validation rules: the CLI
/// checks a spec against the same schema before sending it, so both give the same messages.
public enum QiniuCRDs {
    public static var all: [JSONValue] { [qiniuMySQL, qiniuMySQLData] }

    /// Times of day, `HH:MM` in 24-hour form, separated by commas.
    public static let backupTimePattern = #"^([01][0-9]|2[0-3]):[0-5][0-9](,([01][0-9]|2[0-3]):[0-5][0-9])*$"#
    /// A non-negative Kubernetes quantity: a binary suffix (`10Gi`), a decimal one including
    /// milli (`500m` CPU), or an exponent (`1e3`), as `resource.Quantity` parses them.
    public static let quantityPattern = #"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$"#
    /// Odd sizes only: Galera needs a strict majority to stay Primary after one node fails.
    public static let allowedReplicas: [Int64] = [1, 3, 5, 7, 9]

    public static var qiniuMySQL: JSONValue {
        crd(
            type: QiniuMySQL.resourceType, singular: "qiniumysql", shortNames: ["qmysql"],
            spec: qiniuMySQLSpecSchema, status: qiniuMySQLStatusSchema,
            columns: [
                column("State", "string", ".status.state", "Green, Yellow or Red"),
                column("Ready", "string", ".status.ready", "Synced nodes / desired nodes"),
                column("Phase", "string", ".status.phase", "Forming, Serving, Paused or Restoring"),
                column("Flavor", "string", ".spec.flavor", "mariadb or percona", priority: 1),
                column("Replicas", "integer", ".spec.replicas", "Desired nodes", priority: 1),
                column("Age", "date", ".metadata.creationTimestamp", nil),
            ])
    }

    public static var qiniuMySQLData: JSONValue {
        crd(
            type: QiniuMySQLData.resourceType, singular: "qiniumysqldata", shortNames: ["qmysqldata"],
            spec: qiniuMySQLDataSpecSchema, status: qiniuMySQLDataStatusSchema,
            columns: [
                column("Cluster", "string", ".spec.cluster", "The QiniuMySQL it acts on"),
                column("Action", "string", ".spec.action", "backup or restore"),
                column("Phase", "string", ".status.phase", nil),
                column("Backup", "string", ".status.backup.id", nil, priority: 1),
                column("Age", "date", ".metadata.creationTimestamp", nil),
            ])
    }

    // MARK: - Schemas

    static var qiniuMySQLSpecSchema: JSONValue {
        object(
            "The desired cluster.",
            [
                "replicas": [
                    "type": "integer", "default": .int(Int64(QiniuMySQLSpec.defaultReplicas)), "enum": .array(allowedReplicas.map { .int($0) }),
                    "description": "Number of Galera nodes: odd, so a majority survives one failure.",
                ],
                "flavor": [
                    "type": "string", "default": .string(QiniuMySQLSpec.defaultFlavor.rawValue), "enum": enumValues(Flavor.self),
                    "description": "mariadb (MariaDB Galera) or percona (Percona XtraDB Cluster).",
                ],
                "stateTransfer": [
                    "type": "string", "enum": enumValues(StateTransferChoice.self),
                    "description": "How a joining node receives a full copy: qmysql (a compressed hot backup over TLS, sent as soon as the joiner listens; the default for mariadb) or packaged (the distribution's SST script, which waits 10 s first; the default for percona, whose 8.0 runs only xtrabackup-v2).",
                ],
                "tls": object(
                    "Encryption in transit between the nodes (the cluster's own CA; its certificates are in the cluster's Secret).",
                    [
                        "replication": [
                            "type": "string", "enum": enumValues(ReplicationEncryption.self),
                            "description": "Galera's replication and IST over TLS: required (the default for a new cluster; a peer without the cluster's certificate is refused), accepting (TLS and plain TCP) or off (the default for a cluster formed before this setting existed). A change rolls out one node at a time through accepting, and the cluster stays Primary.",
                        ],
                        "requireSecureTransport": [
                            "type": "boolean",
                            "description": "mysqld refuses TCP clients that do not use TLS (require_secure_transport). Clients find the cluster's CA with `kubectl qmysql credential NAME -o mycnf`. Default false.",
                        ],
                    ]),
                "version": string("Database version; chooses the default image.", minLength: 1),
                "image": string("Database image; overrides the flavor's default.", minLength: 1),
                "resources": object(
                    "Compute resources of the database container.",
                    ["requests": quantityMap, "limits": quantityMap]),
                "storage": storageSchema("Data volume of each node.", deleteClaims: true),
                "config": [
                    "type": "object", "description": "my.cnf settings of [mysqld], name: value.",
                    "additionalProperties": ["type": "string"],
                ],
                "backup": object(
                    "Scheduled backups and their retention.",
                    [
                        "enable": ["type": "boolean", "default": false, "description": "Run scheduled backups."],
                        "backupTime": [
                            "type": "string", "pattern": .string(backupTimePattern), "default": "01:01",
                            "description": "Times of day to back up, like \"01:01,13:01\" (in timeZone).",
                        ],
                        "timeZone": string("The time zone of backupTime, like Asia/Shanghai (default UTC).", minLength: 1),
                        "reservedDays": [
                            "type": "integer", "minimum": 1, "maximum": 3650, "default": .int(Int64(BackupSpec.defaultReservedDays)),
                            "description": "Delete backups older than this many days.",
                        ],
                        "storage": storageSchema("The backup store: a volume claim `<cluster>-backups` only the controller mounts, kept when the cluster is deleted. With s3 it holds only the controller's state (default 1Gi).", deleteClaims: true),
                        "s3": s3Schema("Keep the backups in an S3-compatible bucket instead of the volume claim, at PREFIX CLUSTER/ID/: they outlive the Kubernetes cluster."),
                        "pitr": object(
                            "Point-in-time recovery: the binary log archived into the backup store as it is written (CLUSTER/binlog/), so a restore reaches any second from the oldest kept backup to a few seconds ago.",
                            [
                                "enable": ["type": "boolean", "default": false, "description": "Archive the binary log continuously."],
                                "segmentSeconds": [
                                    "type": "integer", "minimum": .int(Int64(PITRSpec.segmentSecondsRange.lowerBound)),
                                    "maximum": .int(Int64(PITRSpec.segmentSecondsRange.upperBound)), "default": .int(Int64(PITRSpec.defaultSegmentSeconds)),
                                    "description": "A segment is stored at the latest this many seconds after its first transaction: about the most a restore can lose.",
                                ],
                            ]),
                    ]),
                "restoreFrom": object(
                    "Form the new cluster from a backup instead of empty datadirs (once: never after it was formed).",
                    [
                        "cluster": string("The cluster whose backup it is, in this namespace (default: this cluster's name).", minLength: 1),
                        "backup": string("The backup's id (kubectl qmysql backups CLUSTER lists them).", minLength: 1),
                        "s3": s3Schema("The bucket holding the backup when it is not this cluster's own store (another namespace's prefix, or another Kubernetes cluster's bucket); read only."),
                    ], required: ["backup"]),
                "rootPasswordSecret": string("Secret with key `password`; generated when absent.", minLength: 1),
                "paused": ["type": "boolean", "default": false, "description": "Stop every node gracefully (data kept) and observe only; false starts the cluster again."],
                "autoRecovery": ["type": "boolean", "default": true, "description": "Repair known faults automatically."],
                "preferredWriter": string("The node the writer endpoint (NAME-writer) sends to while it is Synced, like demo-2 (kubectl qmysql switchover sets it); absent: the writer stays where it is.", minLength: 1),
                "nodeSelector": [
                    "type": "object", "additionalProperties": ["type": "string"],
                    "description": "Node labels the database pods must run on.",
                ],
                "tolerations": [
                    "type": "array", "description": "Tolerations of the database pods (core/v1 Toleration).",
                    "items": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                ],
                "affinity": [
                    "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                    "description": "Affinity of the database pods (core/v1 Affinity); replaces the default anti-affinity.",
                ],
                "priorityClassName": string("PriorityClass of the database pods.", minLength: 1),
                "podLabels": [
                    "type": "object", "additionalProperties": ["type": "string"],
                    "description": "Extra labels on the database pods.",
                ],
                "podAnnotations": [
                    "type": "object", "additionalProperties": ["type": "string"],
                    "description": "Extra annotations on the database pods.",
                ],
                "imagePullSecrets": [
                    "type": "array", "description": "Secrets to pull the images with.",
                    "items": object(nil, ["name": ["type": "string", "minLength": 1]], required: ["name"]),
                ],
            ])
    }

    static var qiniuMySQLStatusSchema: JSONValue {
        object(
            "The observed cluster, written by the operator.",
            [
                "state": ["type": "string", "enum": enumValues(ClusterState.self)],
                "phase": [
                    "type": "string", "enum": enumValues(ClusterPhase.self),
                    "description": "What the cluster is meant to be doing: a Red cluster that is forming, paused or being restored does what it was asked to.",
                ],
                "ready": ["type": "string"],
                "replicationEncryption": [
                    "type": "string", "enum": enumValues(ReplicationEncryption.self),
                    "description": "Whether Galera's replication runs over TLS on every database pod (written once a rollout of spec.tls.replication is complete).",
                ],
                "nodes": [
                    "type": "array",
                    "items": object(
                        nil,
                        [
                            "name": ["type": "string"], "state": ["type": "string"],
                            "wsrepState": ["type": "string"], "seqno": ["type": "integer"], "ready": ["type": "boolean"],
                            "agentSilentSince": ["type": "string", "description": "When the node's agent last reported, while it does not answer."],
                        ], required: ["name", "state"]),
                ],
                "conditions": conditionsSchema,
                "observedGeneration": ["type": "integer"],
                "lastBackup": object(
                    nil,
                    [
                        "name": ["type": "string"], "time": ["type": "string"], "size": ["type": "integer"], "succeeded": ["type": "boolean"],
                        "position": ["type": "string"],
                    ]),
                "backups": [
                    "type": "array", "description": "The backups in the store, oldest first.",
                    "items": backupSchema,
                ],
                "archive": object(
                    "The binary log archive (spec.backup.pitr): the windows a restore can reach, its gaps and lag.",
                    [
                        "history": ["type": "string"],
                        "windows": [
                            "type": "array", "description": "Any second in these a restore can reach; the newest has no to while the archive is current.",
                            "items": object(nil, ["from": ["type": "string"], "to": ["type": "string"]], required: ["from"]),
                        ],
                        "node": ["type": "string"],
                        "lagWithin": ["type": "string", "description": "How far behind the archive is, as a bound: 10s, 1m or 10m; absent: further."],
                        "gaps": ["type": "array", "items": ["type": "string"]],
                        "problem": ["type": "string"],
                    ], required: ["history", "windows"]),
                "writer": ["type": "string", "description": "The node the writer endpoint (NAME-writer) sends to; absent while no node is Synced in a Primary component."],
                "message": ["type": "string"],
                "clusterUUID": [
                    "type": "string",
                    "description": "The Galera cluster UUID once the cluster was formed. The operator hands it back to the controller, which then never forms a new cluster on empty datadirs.",
                ],
            ])
    }

    static var qiniuMySQLDataSpecSchema: JSONValue {
        object(
            "One manual backup or restore.",
            [
                "cluster": string("The QiniuMySQL in this namespace.", minLength: 1),
                "action": ["type": "string", "enum": enumValues(DataAction.self), "description": "backup or restore."],
                "backupName": string("The backup to restore (restore only): a backup id from the cluster's status.backups, or the name of a finished backup task.", minLength: 1),
                "sourceCluster": string("The cluster whose backup it is (default: spec.cluster).", minLength: 1),
                "bootstrapNode": string("The node to restore on; chosen automatically when absent.", minLength: 1),
                "approval": [
                    "type": "string", "enum": enumValues(ApprovalMode.self), "default": .string(ApprovalMode.auto.rawValue),
                    "description": "Auto runs every step; Step waits for approval before each.",
                ],
                "approvedStep": [
                    "type": "integer", "minimum": 0, "maximum": 5,
                    "description": "With approval Step: the steps up to this one may run.",
                ],
                "skipSafetyBackup": [
                    "type": "boolean", "default": false,
                    "description": "Skip step 1, the backup of the current state (it is the way back).",
                ],
                "restoreTo": object(
                    "A point-in-time restore: after the backup, the archived binary log is replayed up to this point (spec.backup.pitr). Without backupName the newest backup before it is used. One of time and gtid.",
                    [
                        "time": ["type": "string", "format": "date-time", "description": "RFC 3339: every transaction committed at or before it is kept, up to the first committed later."],
                        "gtid": ["type": "string", "pattern": "^[0-9]+-[0-9]+-[0-9]+$", "description": "DOMAIN-SERVER-SEQUENCE: up to and including this transaction."],
                    ]),
                "cancel": [
                    "type": "boolean",
                    "description": "Ends the task at its next step boundary. A restore cancelled before step 2 changed nothing; one cancelled later brings the cluster back from its own data.",
                ],
            ], required: ["cluster", "action"])
    }

    static var qiniuMySQLDataStatusSchema: JSONValue {
        object(
            "Progress of the task, written by the controller.",
            [
                "phase": ["type": "string", "enum": enumValues(DataPhase.self)],
                "steps": [
                    "type": "array",
                    "items": object(
                        nil,
                        [
                            "number": ["type": "integer"], "name": ["type": "string"],
                            "state": ["type": "string", "enum": enumValues(DataStepState.self)],
                            "message": ["type": "string"],
                            "startTime": ["type": "string"], "completionTime": ["type": "string"],
                        ], required: ["name", "state"]),
                ],
                "backup": backupSchema,
                "safetyBackup": backupSchema,
                "node": ["type": "string"],
                "bytes": ["type": "integer"],
                "startTime": ["type": "string"],
                "completionTime": ["type": "string"],
                "message": ["type": "string"],
            ])
    }

    static var backupSchema: JSONValue {
        object(
            nil,
            [
                "id": ["type": "string"], "cluster": ["type": "string"], "node": ["type": "string"], "time": ["type": "string"],
                "location": ["type": "string"], "size": ["type": "integer"], "position": ["type": "string"],
                "serverVersion": ["type": "string"], "sha256": ["type": "string"], "verified": ["type": "string"],
                "gtid": ["type": "string"], "archiveHistory": ["type": "string"],
            ])
    }

    static var conditionsSchema: JSONValue {
        [
            "type": "array",
            "items": object(
                nil,
                [
                    "type": ["type": "string"], "status": ["type": "string", "enum": ["True", "False", "Unknown"]],
                    "reason": ["type": "string"], "message": ["type": "string"],
                    "lastTransitionTime": ["type": "string"], "observedGeneration": ["type": "integer"],
                ], required: ["type", "status"]),
        ]
    }

    static var quantityMap: JSONValue {
        ["type": "object", "additionalProperties": ["type": "string", "pattern": .string(quantityPattern)]]
    }

    /// An S3-compatible bucket (`S3StoreSpec`). The patterns refuse what would break a request
    /// or a command line (a comma, a space, a path in the endpoint) with the field named.
    static func s3Schema(_ description: String) -> JSONValue {
        object(description, [
            "endpoint": [
                "type": "string", "pattern": .string(s3EndpointPattern),
                "description": "The S3 API's address, https://host[:port] (http:// only on a trusted network), no path.",
            ],
            "bucket": [
                "type": "string", "pattern": .string(s3BucketPattern),
                "description": "The bucket (3 to 63 lower-case letters, digits, dots and hyphens); it must exist.",
            ],
            "prefix": [
                "type": "string", "pattern": .string(s3PrefixPattern),
                "description": "Where in the bucket, ending in '/' (default: the namespace's name and '/'; empty: the bucket's root). Backups are at PREFIX CLUSTER/ID/.",
            ],
            "region": [
                "type": "string", "pattern": .string(#"^[a-z0-9-]+$"#),
                "description": .string("The region requests are signed for (default \(S3StoreSpec.defaultRegion), which most S3-compatible servers accept)."),
            ],
            "addressing": [
                "type": "string", "enum": enumValues(S3Addressing.self),
                "description": "path (https://host/bucket/key, the default) or virtualHost (https://bucket.host/key, AWS's own style).",
            ],
            "credentialsSecret": string("A Secret in this namespace with keys \(S3StoreSpec.accessKeyIDKey) and \(S3StoreSpec.secretAccessKeyKey); only the controller mounts it.", minLength: 1),
            "caSecret": string("A Secret with key \(S3StoreSpec.caKey): the CA bundle (PEM) of a private endpoint, trusted beside the system's.", minLength: 1),
            "serverSideEncryption": object(
                "Server-side encryption of the stored objects.",
                [
                    "mode": [
                        "type": "string", "enum": enumValues(S3EncryptionMode.self),
                        "description": "SSE-S3 (the server's own keys) or SSE-C (a key of yours, sent with every request and never stored).",
                    ],
                    "customerKeySecret": string("SSE-C: a Secret whose key \(S3EncryptionSpec.customerKeyKey) holds the 256-bit key (32 bytes, or their base64). Without it the backups cannot be read.", minLength: 1),
                ], required: ["mode"]),
        ], required: ["endpoint", "bucket", "credentialsSecret"])
    }

    public static let s3EndpointPattern = #"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"#
    public static let s3BucketPattern = #"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"#
    public static let s3PrefixPattern = #"^([^/, ][^, ]*/)?$"#

    /// `deleteClaims`: the data volumes' retention switch (the backup store has its own lifecycle).
    static func storageSchema(_ description: String, deleteClaims: Bool = false) -> JSONValue {
        var properties: JSONValue = [
            "size": ["type": "string", "pattern": .string(quantityPattern), "description": "A quantity, like 10Gi."],
            "storageClassName": string("StorageClass of the volume claim.", minLength: 1),
        ]
        if deleteClaims {
            properties["deleteClaimsOnDelete"] = [
                "type": "boolean", "default": false,
                "description": "Delete the volume claims when the cluster is deleted (default: keep the data).",
            ]
        }
        return ["type": "object", "description": .string(description), "properties": properties]
    }

    // MARK: - Building blocks

    static func object(_ description: String?, _ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: JSONValue = ["type": "object", "properties": .object(properties)]
        if let description { schema["description"] = .string(description) }
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return schema
    }

    /// The schema's `enum` of a Swift enum's raw values: the API's vocabulary is declared once.
    static func enumValues<Value: CaseIterable & RawRepresentable>(_: Value.Type) -> JSONValue where Value.RawValue == String {
        .array(Value.allCases.map { .string($0.rawValue) })
    }

    static func string(_ description: String, minLength: Int64) -> JSONValue {
        ["type": "string", "minLength": .int(minLength), "description": .string(description)]
    }

    static func column(_ name: String, _ type: String, _ path: String, _ description: String?, priority: Int64 = 0) -> JSONValue {
        var column: JSONValue = ["name": .string(name), "type": .string(type), "jsonPath": .string(path)]
        if let description { column["description"] = .string(description) }
        if priority > 0 { column["priority"] = .int(priority) }
        return column
    }

    static func crd(
        type: ResourceType, singular: String, shortNames: [String],
        spec: JSONValue, status: JSONValue, columns: [JSONValue]
    ) -> JSONValue {
        let schema: JSONValue = [
            "type": "object",
            "required": ["spec"],
            "properties": [
                "apiVersion": ["type": "string"],
                "kind": ["type": "string"],
                "metadata": ["type": "object"],
                "spec": spec,
                "status": status,
            ],
        ]
        return [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": [
                "name": .string("\(type.plural).\(type.group)"),
                "labels": ["app.kubernetes.io/part-of": "qmysql"],
            ],
            "spec": [
                "group": .string(type.group),
                "scope": "Namespaced",
                "names": [
                    "plural": .string(type.plural), "singular": .string(singular), "kind": .string(type.kind),
                    "listKind": .string("\(type.kind)List"), "shortNames": .array(shortNames.map { .string($0) }),
                    "categories": ["qmysql"],
                ],
                "versions": [
                    [
                        "name": .string(type.version), "served": true, "storage": true,
                        "schema": ["openAPIV3Schema": schema],
                        "subresources": ["status": [:]],
                        "additionalPrinterColumns": .array(columns),
                    ]
                ],
            ],
        ]
    }
}
