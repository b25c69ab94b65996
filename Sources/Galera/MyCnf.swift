/// Renders a node's my.cnf. The output is deterministic (same input, same bytes), so a changed
/// file always means a changed setting.
public enum MyCnf {
    /// The `[mysqld]` setting that names the certificate mysqld serves clients TLS with.
    public static let clientCertificateKey = "ssl_cert"

    public static func render(cluster: ClusterSettings, node: NodeSettings) -> String {
        let flavor = cluster.flavor
        var providerOptions = [
            "gmcast.listen_addr=tcp://\(node.address):\(node.galeraPort)",
            "ist.recv_addr=\(node.address):\(node.istPort)",
            "gcache.size=\(cluster.gcacheSize)",
            "pc.recovery=\(cluster.pcRecovery ? "TRUE" : "FALSE")",
        ]
        providerOptions += cluster.evsOptions
        providerOptions += cluster.replicationEncryption.providerOptions(cluster.tls)
        let lines: [String] = [
            "# Written by the qmysql agent for node \(node.name) of cluster \(cluster.name). Do not edit:",
            "# the agent rewrites it before every start.",
            "[mysqld]",
        ] + (node.osUser == "root" ? [
            // Only root must name its user (mysqld refuses to run as root otherwise). Anyone else
            // runs mysqld as itself; a user= would only make mariadb-install-db chown the datadir,
            // which a pod that is not root may not do.
            "user=root",
        ] : []) + [
            "datadir=\(node.dataDirectory)",
            "socket=\(node.socketPath)",
            "bind-address=\(node.address)",
            "port=\(node.mysqlPort)",
            // Clients are known by address, never by a DNS lookup on connect: faster, no
            // dependence on DNS, and a TCP client from 127.0.0.1 is root@'%' with its password,
            // not root@localhost (unix_socket only).
            "skip-name-resolve",
            "tmpdir=\(node.temporaryDirectory)",
            "pid-file=\(node.pidFile)",
            "log-error=\(node.errorLog)",
            "binlog_format=ROW",
        ] + (flavor == .mariadb ? BinaryLog.settings(localDomain: BinaryLog.localDomain(ofNode: node.name)) : []) + [
            "default_storage_engine=InnoDB",
            "innodb_autoinc_lock_mode=2",
            "innodb_buffer_pool_size=\(cluster.innodbBufferPoolSize)",
            "performance_schema=OFF",
        ] + (cluster.tls.map { tls in [
            // Clients may connect over TLS, with the certificate the nodes present to each other
            // (it names the client Service too); only requireSecureTransport makes them.
            "\(clientCertificateKey)=\(tls.certificate)",
            "ssl_key=\(tls.key)",
            "ssl_ca=\(tls.certificateAuthority)",
        ] + (cluster.requireSecureTransport ? [
            // TCP clients without TLS are refused; the unix socket counts as secure (the agent's
            // and the backup tool's own connections).
            "require_secure_transport=ON",
        ] : []) } ?? []) + [
            "wsrep_on=ON",
            "wsrep_provider=\(cluster.providerPath ?? flavor.defaultProviderPath)",
            "wsrep_cluster_name=\(cluster.name)",
            "wsrep_cluster_address=gcomm://\(cluster.peers.joined(separator: ","))",
            "wsrep_node_name=\(node.name)",
            "wsrep_node_address=\(node.address):\(node.galeraPort)",
            "wsrep_node_incoming_address=\(node.address):\(node.mysqlPort)",
            "wsrep_sst_method=\(cluster.stateTransfer.method(for: flavor))",
            "wsrep_sst_receive_address=\(node.address):\(node.sstPort)",
            "wsrep_provider_options=\"\(providerOptions.joined(separator: ";"))\"",
            "",
            "[sst]",
            // Without bind the joiner's socat listens on every interface.
            "sockopt=bind=\(node.address)",
            // Otherwise every SST leaves a timestamped log copy in the datadir.
            "sst-log-archive=0",
            "",
        ] + (cluster.tls.map { tls in [
            // Our state transfer's own group (mysqld ignores it): its TLS files.
            "[qmysql-sst]",
            "tls-cert=\(tls.certificate)",
            "tls-key=\(tls.key)",
            "tls-ca=\(tls.certificateAuthority)",
            "",
        ] } ?? []) + [
            "[\(flavor.backupToolConfigGroup)]",
            // The SST script's backup tool connects over the socket with unix_socket auth as this user.
            "user=\(node.osUser)",
            "socket=\(node.socketPath)",
            "",
            "[client]",
            "socket=\(node.socketPath)",
            "",
        ] + (cluster.includeFile.map { ["!include \($0)", ""] } ?? [])
        return lines.joined(separator: "\n")
    }
}
