// swift-tools-version: 6.2
//
// qmysql: one executable (`kubectl-qmysql`) and one module per layer. Dependencies point
// downward only (docs/design.md draws the same graph):
//
//   kubectl-qmysql (executable) -> CLI, Roles
//   CLI          -> Playground, Operator, KubeClient, KubeSchema, QiniuAPI, Galera  the user's commands (the
//                   playground's too), the restore wizard (libedit, loaded when it runs, for its prompts),
//                   the generated parts of the charts (the operator's RBAC) and of the roles' flags
//   Playground   -> Operator, KubeRuntime, KubeServer, Processes, AgentAPI  the system on one machine:
//                   API server, operator process, a local runtime for the pods it renders, TCP endpoints
//   Roles        -> Agent, Controller, Operator, AgentAPI       the long-running roles (agent, controller, operator)
//   Operator     -> KubeRuntime, ControllerAPI, QiniuAPI, ClusterCertificates  renders and applies clusters, follows their controllers
//   Controller   -> ControllerAPI, AgentAPI, Backup, MySQLClient, Galera, Clocks  one per MySQL cluster; runs backups and restores
//   Agent        -> AgentAPI, Backup, MySQLClient, Processes, Clocks  supervises one mysqld, serves its API, streams backups
//   LocalCluster -> Controller, ControllerAPI, Processes, AgentAPI  N agents on 127.0.0.N and an in-process controller (tests, bench)
//   KubeServer   -> KubeSchema, KubeAPI, ClusterCertificates    the faithful local API server
//   KubeRuntime  -> KubeClient, Clocks                          a Kubernetes controller's machinery: caches, work queue, leader
//                   election, events, the kubelet's $(VAR) expansion (the operator's and the playground's)
//   KubeClient   -> KubeAPI, Galera (its shared formats), Clocks (Backoff)  our Kubernetes client
//   ControllerAPI -> AgentAPI, QiniuAPI, Galera, RoleFlags     the controller's wire contract: status, options and their
//                   flag table, desired state (ControllerSpec), the status-stream client
//   AgentAPI     -> Galera, RoleNetwork, RoleFlags              the agent's wire contract: types, options and their flag
//                   table, paths, client
//   RoleNetwork  -> ClusterCertificates, swift-nio-ssl          how the roles reach each other: TLS between roles (the
//                   cluster's certificate files, reloaded when renewed), bearer tokens, the playground's host table
//   ClusterCertificates -> swift-certificates                   certificate authorities: the API server's, each cluster's
//   StateTransfer -> Backup, Processes, Galera, COpenSSL        wsrep_sst_qmysql: our state-transfer method (joiner and donor),
//                   TLS with the cluster's CA through libssl on the transfer's blocking socket
//   ObjectStorage -> Backup, async-http-client, swift-crypto    S3: SigV4, a small XML parser, the client, the backup
//                   store on a bucket (multipart uploads)
//   Processes    -> Galera                                      child processes and their whole process trees (agent, playground); resident memory (benches)
//   MySQLClient  -> CMariaDB                                    libmariadb off the cooperative pool
//   CMariaDB, CZstd, CZlib, COpenSSL: system libraries (libmariadb, libzstd, zlib, libssl)
//   KubeSchema   -> KubeAPI                                     pure: OpenAPI schemas, prune, default, validate
//   QiniuAPI     -> KubeAPI, Galera                             pure: the two resources (their flavor and state are Galera's), CRDs, derived names
//   Backup       -> CZstd, Galera, swift-crypto                  the backup store (files), records, schedule, retention,
//                   the stream's codecs (zstd, xbstream)
//   RoleFlags    a role's command line declared once: the table that renders arguments, parses them back,
//                and generates the command's ArgumentParser declarations
//   Clocks       the time the roles' loops read and sleep on (the continuous clock, or a manual one tests
//                move), and the one doubling back-off of every retry
//   Galera, KubeAPI: pure, Foundation only (Galera also holds the small shared formats: Duration and byte texts, lines of a byte stream).
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

let package = Package(
    name: "qmysql",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kubectl-qmysql", targets: ["kubectl-qmysql"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: Pure domain
        .target(name: "KubeAPI"),
        .target(name: "Galera"),
        .target(name: "Binlog", dependencies: ["CZlib"]),
        .target(name: "Clocks"),
        .target(name: "RoleFlags"),
        .target(name: "QiniuAPI", dependencies: ["Galera", "KubeAPI"]),
        .target(name: "Processes", dependencies: ["Galera"]),
        .target(
            name: "RoleNetwork",
            dependencies: [
                "ClusterCertificates",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "KubeRuntime",
            dependencies: ["Clocks", "KubeAPI", "KubeClient", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "KubeSchema", dependencies: ["KubeAPI"]),

        // MARK: I/O layers
        .target(
            name: "KubeClient",
            dependencies: [
                "Clocks", "KubeAPI", "Galera",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ] + nio
        ),
        .target(
            name: "KubeServer",
            dependencies: [
                "ClusterCertificates", "KubeAPI", "KubeSchema",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + nio
        ),
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "MySQLClient",
            dependencies: [
                "CMariaDB",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AgentAPI",
            dependencies: [
                "Galera", "RoleFlags", "RoleNetwork",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "ClusterCertificates",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "ControllerAPI",
            dependencies: [
                "RoleFlags", "RoleNetwork", "AgentAPI", "Galera", "KubeAPI", "QiniuAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "Operator",
            dependencies: [
                "RoleNetwork", "AgentAPI", "ClusterCertificates", "ControllerAPI", "Galera", "KubeAPI", "KubeClient", "KubeRuntime", "QiniuAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Agent",
            dependencies: [
                "RoleNetwork", "AgentAPI", "Backup", "Binlog", "Clocks", "Galera", "MySQLClient", "Processes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LocalCluster",
            dependencies: [
                "AgentAPI", "ClusterCertificates", "Controller", "ControllerAPI", "Galera", "MySQLClient", "Processes", "RoleNetwork",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Controller",
            dependencies: [
                "RoleNetwork", "AgentAPI", "Backup", "Binlog", "Clocks", "ControllerAPI", "Galera", "MySQLClient", "KubeAPI", "QiniuAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Backups: the store (a protocol; files first), records, schedule and retention, and the
        // stream's codecs; the agent streams backups with it, the controller stores and restores.
        .target(
            name: "Backup",
            dependencies: ["Binlog", "CZstd", "Galera", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ObjectStorage",
            dependencies: [
                "Backup", "Binlog",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Real S3 servers on loopback for the tests and the bench: Ceph's RADOS Gateway and moto.
        .target(
            name: "S3TestServers",
            dependencies: ["ClusterCertificates", "Processes", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .target(name: "StateTransfer", dependencies: ["Backup", "COpenSSL", "Galera", "Processes"]),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Playground",
            dependencies: [
                "RoleNetwork", "AgentAPI", "Galera", "KubeAPI", "KubeClient", "KubeRuntime", "KubeServer", "Operator", "Processes", "QiniuAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "CLI",
            dependencies: [
                "AgentAPI", "ClusterCertificates", "ControllerAPI", "Galera", "KubeAPI", "KubeClient", "KubeSchema", "Operator", "Playground", "QiniuAPI", "RoleFlags",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "Roles",
            dependencies: [
                "RoleNetwork", "Agent", "AgentAPI", "Backup", "ClusterCertificates", "Controller", "ControllerAPI", "Galera", "Operator", "KubeClient", "ObjectStorage", "QiniuAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "kubectl-qmysql",
            dependencies: ["CLI", "QiniuAPI", "Roles", "StateTransfer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Measures the controller's detection and recovery times on a real cluster (docs/benchmarks.md).
        .executableTarget(
            name: "ControllerBench",
            dependencies: [
                "Backup", "Binlog", "Controller", "ControllerAPI", "LocalCluster", "AgentAPI", "Galera", "MySQLClient", "ObjectStorage", "Processes",
                "QiniuAPI", "S3TestServers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // Takes 1,000 clusters to steady state with the real operator process against the local
        // API server: time, peak RSS, API requests per reconcile (docs/benchmarks.md).
        .executableTarget(
            name: "OperatorBench",
            dependencies: [
                "ControllerAPI", "KubeAPI", "KubeClient", "KubeServer", "Processes", "QiniuAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // Times `playground up` to a Green demo (with its parts), `create` to Green for a second
        // cluster, and `down --purge`, through the real binary (docs/benchmarks.md).
        .executableTarget(
            name: "PlaygroundBench",
            dependencies: ["Galera", "KubeAPI", "KubeClient", "Playground", "QiniuAPI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Full state transfers on a datadir of a given size: ours with and without TLS against the
        // packaged mariabackup script, side by side (docs/benchmarks.md).
        .executableTarget(
            name: "StateTransferBench",
            dependencies: [
                "ClusterCertificates", "Galera", "LocalCluster", "MySQLClient", "RoleNetwork",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // Backups into S3 against the same stream into the file store, side by side, and the
        // writer's memory (docs/benchmarks.md).
        .executableTarget(
            name: "S3Bench",
            dependencies: [
                "Backup", "Galera", "ObjectStorage", "Processes", "S3TestServers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests, one target per module
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(name: "GaleraTests", dependencies: ["Galera"]),
        .testTarget(name: "ClocksTests", dependencies: ["Clocks"]),
        .testTarget(name: "RoleFlagsTests", dependencies: ["RoleFlags"]),
        .testTarget(name: "ObjectStorageTests", dependencies: ["ObjectStorage", "Backup", "Galera", "Processes", "S3TestServers"]),
        .testTarget(name: "StateTransferTests", dependencies: ["StateTransfer", "Galera", "ClusterCertificates"]),
        .testTarget(name: "QiniuAPITests", dependencies: ["QiniuAPI", "KubeAPI"]),
        .testTarget(name: "KubeSchemaTests", dependencies: ["KubeSchema", "KubeAPI"]),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "Clocks", "KubeClient", "KubeServer", "KubeAPI", "QiniuAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "KubeServerTests",
            dependencies: [
                "KubeServer", "KubeSchema", "KubeAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "RoleNetwork", "Agent", "AgentAPI", "ClusterCertificates", "Galera", "MySQLClient", "LocalCluster", "Processes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "RoleNetwork", "Backup", "ClusterCertificates", "Clocks", "Controller", "ControllerAPI", "Galera", "Agent", "AgentAPI", "LocalCluster", "MySQLClient",
                "ObjectStorage", "Processes", "QiniuAPI", "S3TestServers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CLITests", dependencies: ["CLI", "ClusterCertificates", "Controller", "ControllerAPI", "Galera", "KubeServer", "KubeClient", "QiniuAPI"]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "Binlog", "Galera"]),
        .testTarget(
            name: "PlaygroundTests",
            dependencies: [
                "RoleNetwork", "Playground", "AgentAPI", "ClusterCertificates", "Galera", "KubeAPI", "KubeClient", "KubeRuntime", "LocalCluster", "MySQLClient",
                "ObjectStorage", "Operator", "Processes", "QiniuAPI", "S3TestServers",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "RolesTests", dependencies: ["Roles", "Agent", "AgentAPI", "ClusterCertificates", "Controller", "ControllerAPI", "ObjectStorage", "Operator", "QiniuAPI", "KubeAPI", "KubeRuntime", "RoleFlags"]),
        .testTarget(
            name: "OperatorTests",
            dependencies: [
                "RoleNetwork", "Operator", "ClusterCertificates", "Clocks", "ControllerAPI", "AgentAPI", "KubeServer", "KubeClient", "KubeAPI", "KubeRuntime", "LocalCluster", "QiniuAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Golden")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
