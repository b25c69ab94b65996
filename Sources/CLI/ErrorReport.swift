import KubeAPI
import KubeClient
import QiniuAPI

/// Turns client errors into `CLIError`s: the client's description already says what failed,
/// where and as whom; this picks the documented exit status and adds advice only the CLI
/// knows, like `kubectl qmysql install` when our CRDs are missing.
enum ErrorReport {
    static func explain(_ error: Error, context client: KubeClient?) -> Error {
        if error is CLIError { return error }
        guard let kubeError = error as? KubeError else { return error }
        switch kubeError {
        case .resourceNotServed(let failure):
            if let resource = failure.request.resource, resource.group == QiniuGroup.name {
                return CLIError(
                    "the server \(failure.identity.server) does not serve \(resource): the qmysql CRDs are not installed",
                    hint: "run `kubectl qmysql install` (it needs permission to create CustomResourceDefinitions)",
                    status: .notFound)
            }
            return CLIError(kubeError.description, status: .notFound)
        case .notFound:
            return CLIError(kubeError.description, status: .notFound)
        case .unreachable, .config, .credentials:
            return CLIError(kubeError.description, status: .configuration)
        default:
            return CLIError(kubeError.description, status: .failure)
        }
    }
}
