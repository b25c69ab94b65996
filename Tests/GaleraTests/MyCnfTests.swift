import Testing
@testable import Galera

@Suite("my.cnf rendering")
struct MyCnfTests {
    static let cluster = ClusterSettings(name: "demo", flavor: .mariadb, peers: ["127.0.0.2:4567", "127.0.0.3:4567", "127.0.0.4:4567"])
    static let node = NodeSettings(
        name: "demo-1", address: "127.0.0.3", dataDirectory: "/n/data", socketPath: "/n/run/mysqld.sock",
        temporaryDirectory: "/n/tmp", pidFile: "/n/run/mysqld.pid", errorLog: "/n/data/mysqld.err", osUser: "root")

    @Test("golden file for a MariaDB node running as root")
    func golden() {
        let expected = """
            # Written by the qmysql agent for node demo-1 of cluster demo. Do not edit:
            # the agent rewrites it before every start.
            [mysqld]
            user=root
            datadir=/n/data
            socket=/n/run/mysqld.sock
            bind-address=127.0.0.3
            port=3306
            skip-name-resolve
            tmpdir=/n/tmp
            pid-file=/n/run/mysqld.pid
            log-error=/n/data/mysqld.err
            binlog_format=ROW
            log_bin=binlog
            log_slave_updates=ON
            server_id=1
            gtid_domain_id=101
            wsrep_gtid_mode=ON
            wsrep_gtid_domain_id=1
            binlog_expire_logs_seconds=0
            default_storage_engine=InnoDB
            innodb_autoinc_lock_mode=2
            innodb_buffer_pool_size=64M
            performance_schema=OFF
            wsrep_on=ON
            wsrep_provider=/usr/lib/galera/libgalera_smm.so
            wsrep_cluster_name=demo
            wsrep_cluster_address=gcomm://127.0.0.2:4567,127.0.0.3:4567,127.0.0.4:4567
            wsrep_node_name=demo-1
            wsrep_node_address=127.0.0.3:4567
            wsrep_node_incoming_address=127.0.0.3:3306
            wsrep_sst_method=qmysql
            wsrep_sst_receive_address=127.0.0.3:4444
            wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.3:4567;ist.recv_addr=127.0.0.3:4568;gcache.size=32M;pc.recovery=TRUE;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.inactive_check_period=PT1S;evs.keepalive_period=PT1S;evs.join_retrans_period=PT1S"

            [sst]
            sockopt=bind=127.0.0.3
            sst-log-archive=0

            [mariabackup]
            user=root
            socket=/n/run/mysqld.sock

            [client]
            socket=/n/run/mysqld.sock

            """
        #expect(MyCnf.render(cluster: Self.cluster, node: Self.node) == expected)
    }

    @Test("Percona differs only where the flavor says")
    func percona() {
        var cluster = Self.cluster
        cluster.flavor = .percona
        var node = Self.node
        node.osUser = "mysql"
        #expect(MyCnf.render(cluster: cluster, node: node).contains("wsrep_sst_method=qmysql\n"), "our state transfer, whatever the flavor")
        cluster.stateTransfer = .packaged
        let text = MyCnf.render(cluster: cluster, node: node)
        #expect(text.contains("wsrep_sst_method=xtrabackup-v2\n"))
        #expect(text.contains("[xtrabackup]\nuser=mysql\n"))
        #expect(text.contains("wsrep_provider=/usr/lib64/galera4/libgalera_smm.so\n"))
        #expect(!text.contains("mariabackup"))
        #expect(!text.contains("wsrep_gtid_mode"), "point-in-time recovery is MariaDB's only")
    }

    @Test("every node writes the binary log with the cluster's GTID domain; its own domain is 100 plus its ordinal")
    func binaryLog() {
        #expect(BinaryLog.localDomain(ofNode: "demo-0") == 100)
        #expect(BinaryLog.localDomain(ofNode: "demo-12") == 112)
        #expect(BinaryLog.localDomain(ofNode: "node") == 100)
        #expect(BinaryLog.localDomain(ofNode: "demo-99999999") == 1_000_100, "bounded, never overflowing")
        let settings = BinaryLog.settings(localDomain: 100)
        #expect(settings.contains("gtid_domain_id=100") && settings.contains("wsrep_gtid_domain_id=\(BinaryLog.clusterDomain)"))
        #expect(!settings.contains("gtid_domain_id=\(BinaryLog.clusterDomain)"), "a node's own writes never take the cluster's domain")
    }

    @Test("our state transfer finds its TLS files in a group of its own; the packaged method is the flavor's script")
    func stateTransferSettings() {
        var cluster = Self.cluster
        #expect(!MyCnf.render(cluster: cluster, node: Self.node).contains("[qmysql-sst]"), "no TLS, no group")
        cluster.tls = TLSFiles(certificate: "/s/tls.crt", key: "/s/tls.key", certificateAuthority: "/s/ca.crt")
        #expect(MyCnf.render(cluster: cluster, node: Self.node).contains("\n[qmysql-sst]\ntls-cert=/s/tls.crt\ntls-key=/s/tls.key\ntls-ca=/s/ca.crt\n\n[mariabackup]\n"))
        cluster.stateTransfer = .packaged
        #expect(MyCnf.render(cluster: cluster, node: Self.node).contains("wsrep_sst_method=mariabackup\n"))
    }

    @Test("Galera's replication uses the cluster's certificate: required by default, accepting plain TCP in the middle of a rolling change, off")
    func replicationEncryption() {
        var cluster = Self.cluster
        #expect(!MyCnf.render(cluster: cluster, node: Self.node).contains("ssl"), "no TLS files, plain TCP everywhere")
        cluster.tls = TLSFiles(certificate: "/s/tls.crt", key: "/s/tls.key", certificateAuthority: "/s/ca.crt")
        let files = "socket.ssl_cert=/s/tls.crt;socket.ssl_key=/s/tls.key;socket.ssl_ca=/s/ca.crt"
        let required = MyCnf.render(cluster: cluster, node: Self.node)
        #expect(required.contains(";\(files)\"\n"), "\(required)")
        #expect(required.contains("\nssl_cert=/s/tls.crt\nssl_key=/s/tls.key\nssl_ca=/s/ca.crt\n"), "clients may use TLS with the same certificate")
        #expect(!required.contains("socket.dynamic"))
        #expect(!required.contains("require_secure_transport"), "plain clients still allowed")
        var strict = cluster
        strict.requireSecureTransport = true
        #expect(MyCnf.render(cluster: strict, node: Self.node).contains("\nssl_ca=/s/ca.crt\nrequire_secure_transport=ON\n"))
        cluster.replicationEncryption = .accepting
        #expect(MyCnf.render(cluster: cluster, node: Self.node).contains(";\(files);socket.dynamic=YES\"\n"))
        cluster.replicationEncryption = .off
        let off = MyCnf.render(cluster: cluster, node: Self.node)
        #expect(!off.contains("socket.ssl") && off.contains("[qmysql-sst]"), "our state transfer keeps its TLS")
    }

    /// A pod that is not root runs mysqld as itself: no `user=` in [mysqld], which would make
    /// mariadb-install-db chown a datadir that a non-root pod may not chown (issue 21).
    @Test("only root names the mysqld user")
    func userOnlyForRoot() {
        var node = Self.node
        node.osUser = "mysql"
        let text = MyCnf.render(cluster: Self.cluster, node: node)
        let mysqld = text.components(separatedBy: "\n\n").first { $0.contains("[mysqld]") } ?? ""
        #expect(!mysqld.contains("user="), "\(mysqld)")
        #expect(text.contains("[mariabackup]\nuser=mysql\n"), "the backup tool's socket account is still the OS user's")
        node.osUser = "root"
        #expect(MyCnf.render(cluster: Self.cluster, node: node).contains("[mysqld]\nuser=root\n"))
    }

    /// Initialisation never chowns as a non-root user (`--user` only as root), and names the
    /// socket account after the OS user, for both flavors.
    @Test("the datadir is initialised without a chown unless root")
    func initializeCommands() {
        let mariadb = Flavor.mariadb.initializeCommand(defaultsFile: "/run/my.cnf", user: "mysql")
        #expect(mariadb == ["mariadb-install-db", "--defaults-file=/run/my.cnf", "--auth-root-authentication-method=socket",
                            "--auth-root-socket-user=mysql", "--skip-test-db"])
        #expect(Flavor.mariadb.initializeCommand(defaultsFile: "/run/my.cnf", user: "root").contains("--user=root"))
        let percona = Flavor.percona.initializeCommand(defaultsFile: "/run/my.cnf", user: "mysql")
        #expect(percona == ["mysqld", "--defaults-file=/run/my.cnf", "--initialize-insecure"])
        #expect(Flavor.percona.initializeCommand(defaultsFile: "/run/my.cnf", user: "root").last == "--user=root")
    }

    @Test("per-node settings are distinct for two nodes on one machine")
    func distinct() {
        var other = Self.node
        other.name = "demo-2"
        other.address = "127.0.0.4"
        other.dataDirectory = "/m/data"
        other.socketPath = "/m/run/mysqld.sock"
        let a = Set(MyCnf.render(cluster: Self.cluster, node: Self.node).split(separator: "\n"))
        let b = Set(MyCnf.render(cluster: Self.cluster, node: other).split(separator: "\n"))
        for key in ["datadir=", "socket=", "bind-address=", "wsrep_node_address=", "wsrep_sst_receive_address=", "sockopt=bind="] {
            #expect(a.first { $0.hasPrefix(key) } != b.first { $0.hasPrefix(key) }, "\(key)")
        }
    }

    @Test("pc.recovery can be turned off for tests that expect a node to stay down")
    func pcRecovery() {
        var cluster = Self.cluster
        cluster.pcRecovery = false
        #expect(MyCnf.render(cluster: cluster, node: Self.node).contains("pc.recovery=FALSE"))
    }
}
