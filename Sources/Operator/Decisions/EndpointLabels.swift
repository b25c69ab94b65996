import KubeAPI
import QiniuAPI

/// The labels the writer and readers Services select (docs/endpoints.md), moved on the database
/// pods to follow the controller's writer. Pure.
///
/// The order is the point: the writer label comes off every other pod before it goes on the new
/// writer, so at no moment do two pods carry it (a client can never reach two writers through
/// `NAME-writer`); a reader label goes on before another comes off, so `NAME-readers` never
/// empties on a move.
public enum EndpointLabels {
    public struct Pod: Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var writer: Bool
        public var reader: Bool

        public init(name: String, ready: Bool, writer: Bool, reader: Bool) {
            self.name = name
            self.ready = ready
            self.writer = writer
            self.reader = reader
        }

        /// A database pod as the API serves it (without its spec).
        public init?(_ pod: ObjectStatusView<PodStatus>, cluster: String) {
            guard let name = pod.metadata.name, name.hasPrefix(cluster + "-"), Int(name.dropFirst(cluster.count + 1)) != nil else { return nil }
            let labels = pod.metadata.labels ?? [:]
            self.init(name: name, ready: pod.status?.isReady ?? false,
                      writer: labels[QiniuLabels.writer] == "true", reader: labels[QiniuLabels.reader] == "true")
        }
    }

    public struct Change: Sendable, Equatable {
        public var pod: String
        public var label: String
        /// false: the label is removed.
        public var add: Bool

        public init(pod: String, label: String, add: Bool) {
            self.pod = pod
            self.label = label
            self.add = add
        }
    }

    /// The readers leave the writer out while this many pods are ready or more.
    public static let readersWithoutWriterFrom = 3

    /// The changes, in the order they must be made, for the writer `writer` (nil: none).
    public static func changes(pods: [Pod], writer: String?) -> [Change] {
        var changes: [Change] = []
        for pod in pods where pod.writer && pod.name != writer {
            changes.append(Change(pod: pod.name, label: QiniuLabels.writer, add: false))
        }
        if let writer, let pod = pods.first(where: { $0.name == writer }), !pod.writer {
            changes.append(Change(pod: writer, label: QiniuLabels.writer, add: true))
        }
        let excludeWriter = writer != nil && pods.filter(\.ready).count >= readersWithoutWriterFrom
        let readers = Set(pods.map(\.name).filter { !(excludeWriter && $0 == writer) })
        for pod in pods where readers.contains(pod.name) && !pod.reader {
            changes.append(Change(pod: pod.name, label: QiniuLabels.reader, add: true))
        }
        for pod in pods where !readers.contains(pod.name) && pod.reader {
            changes.append(Change(pod: pod.name, label: QiniuLabels.reader, add: false))
        }
        return changes
    }
}
