import Galera
import KubeAPI
import QiniuAPI

/// Which database pod to replace next so that it picks up a changed template: one at a time,
/// only while the cluster is Green and every pod is up to date or Ready, highest ordinal first
/// (node 0 last: it is the usual bootstrap choice). The StatefulSet uses `OnDelete`, so nothing
/// else restarts a database pod. The seed's "upgrade the service by upgrading the spec".
public enum RolloutDecision {
    public enum Next: Sendable, Equatable {
        /// Nothing to do now, and why.
        case none(String)
        case replace(pod: String)
        /// Every pod runs the current template, is Ready, and the cluster is Green: a rollout is over.
        case complete
    }

    public struct PodView: Sendable, Equatable {
        public var name: String
        public var ordinal: Int
        public var revision: String?
        public var ready: Bool
        public var terminating: Bool

        public init(name: String, ordinal: Int, revision: String?, ready: Bool, terminating: Bool) {
            self.name = name
            self.ordinal = ordinal
            self.revision = revision
            self.ready = ready
            self.terminating = terminating
        }

        /// A pod as the API serves it, read without its spec; nil when it is not one of the
        /// cluster's numbered pods.
        public init?(_ pod: ObjectStatusView<PodStatus>, cluster: String) {
            guard let name = pod.metadata.name, name.hasPrefix(cluster + "-"),
                  let ordinal = Int(name.dropFirst(cluster.count + 1)) else { return nil }
            self.init(name: name, ordinal: ordinal, revision: pod.metadata.labels?["controller-revision-hash"],
                      ready: pod.status?.isReady ?? false, terminating: pod.metadata.deletionTimestamp != nil)
        }
    }

    /// - Parameters:
    ///   - updateRevision: the StatefulSet's `status.updateRevision` (nil: nothing to roll yet),
    ///     given only once the StatefulSet's status reflects its newest template.
    ///   - state: the controller's view of the cluster.
    public static func next(pods: [PodView], replicas: Int, updateRevision: String?, state: ClusterState?) -> Next {
        guard let updateRevision else { return .none("the StatefulSet has not published its revision yet") }
        let outdated = pods.filter { $0.revision != updateRevision && $0.ordinal < replicas }
        guard let candidate = outdated.max(by: { $0.ordinal < $1.ordinal }) else {
            let current = pods.filter { $0.ordinal < replicas && !$0.terminating && $0.ready }.count == replicas
            return current && state == .green ? .complete : .none("every pod runs the current template")
        }
        if let busy = pods.first(where: \.terminating) { return .none("\(busy.name) is terminating") }
        if pods.count < replicas { return .none("waiting for \(replicas - pods.count) pod(s) to exist") }
        if let notReady = pods.first(where: { !$0.ready }) { return .none("waiting for \(notReady.name) to be Ready") }
        guard state == .green else { return .none("the cluster is \(state?.rawValue ?? "not reported"); a rollout waits for Green") }
        return .replace(pod: candidate.name)
    }
}
