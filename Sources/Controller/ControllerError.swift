/// Errors of the controller's own steps.
public enum ControllerError: Error, CustomStringConvertible {
    case unknownNode(String)
    case effectNotSeen(action: String, why: String)
    case refused(task: String, why: String)

    public var description: String {
        switch self {
        case .unknownNode(let name): "node \(name) is not part of this cluster's configuration"
        case .refused(let task, let why): "\(task) refused: \(why)"
        case .effectNotSeen(let action, let why): "\(action): did not take effect: \(why)"
        }
    }
}
