/// How the agent is asked to (re)start a node's mysqld.
public enum StartMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Join the cluster named in wsrep_cluster_address, by IST when the position allows, else SST.
    case join
    /// Start a new Primary component from this node (`--wsrep-new-cluster`).
    case bootstrap
    /// Only run `--wsrep-recover` and report the position; mysqld is not left running.
    case recoverOnly = "recover-only"
    /// Make a running non-Primary node Primary (`pc.bootstrap=YES`) after the others are gone.
    case bootstrapSurvivor = "bootstrap-survivor"
}
