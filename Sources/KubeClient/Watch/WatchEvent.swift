import Clocks
import KubeAPI

/// What a watch delivers.
public enum WatchEvent<Object: Sendable>: Sendable {
    /// The complete current set of objects: first after the initial list, and again after a
    /// relist when the server no longer had the history to resume from (410 Gone). Replace what
    /// you know with it; with `isRelist` objects missing from it were deleted in the gap.
    case snapshot([Object], isRelist: Bool)
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// The server confirmed that nothing changed up to this version (watch bookmarks).
    case bookmark(resourceVersion: String)

    /// The object of an added, modified or deleted event.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object
        case .snapshot, .bookmark: nil
        }
    }
}

/// How to watch.
public struct WatchOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Start watching from this version without listing first; nil lists, emits a snapshot,
    /// and watches from the list's version.
    public var resourceVersion: String?
    /// Each watch request asks the server to end after this many seconds; the client then
    /// resumes from the last version it saw (bookmarks included). At most 540.
    public var timeoutSeconds: Int
    /// The page size of (re)lists.
    public var pageSize: Int?
    /// Pauses between attempts after errors: doubling from `initial` up to `cap`.
    public var backoff: Backoff
    /// One event larger than this is an error.
    public var maxEventBytes: Int
    /// When the very first attempt fails (the initial list, or the first watch request when
    /// starting from `resourceVersion`), end the stream with that error at once, as `kubectl get -w`
    /// does, instead of retrying. Once watching has begun, transient failures are always retried.
    public var failFastAtStart: Bool

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                timeoutSeconds: Int = 300, pageSize: Int? = 500, backoff: Backoff = Backoff(),
                maxEventBytes: Int = 16 * 1024 * 1024, failFastAtStart: Bool = true) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = min(max(timeoutSeconds, 1), 540)
        self.pageSize = pageSize
        self.backoff = backoff
        self.maxEventBytes = maxEventBytes
        self.failFastAtStart = failFastAtStart
    }
}
