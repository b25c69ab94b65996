/// An object read for its metadata and status only, as Kubernetes' `PartialObjectMetadata` reads
/// the metadata only: the text is still scanned whole, but no spec model is built, by far the
/// costlier part of decoding a pod. The operator reads its pods this way at every reconcile.
public struct ObjectStatusView<Status: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta
    public var status: Status?

    public init(metadata: ObjectMeta, status: Status? = nil) {
        self.metadata = metadata
        self.status = status
    }
}
