/// An object read for its metadata and status only, as Kubernetes' `PartialObjectMetadata` reads
/// the metadata only: decoding skips the spec, by far the larger and costlier part of a pod.
/// The operator reads its pods this way at every reconcile.
public struct ObjectStatusView<Status: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta
    public var status: Status?

    public init(metadata: ObjectMeta, status: Status? = nil) {
        self.metadata = metadata
        self.status = status
    }
}
