import KubeAPI
import KubeClient
import QiniuAPI

/// Turns client errors into messages that say what went wrong, where, and what to do next.
/// The client's errors carry the facts (server, user, kubeconfig file, verb, resource); this
/// adds the advice that only the CLI knows, like `kubectl qmysql install` for missing CRDs.
enum ErrorReport {
    static func explain(_ error: Error, context client: KubeClient?) -> Error {
        if error is CLIError { return error }
        guard let kubeError = error as? KubeError else { return error }
        let message = kubeError.description
        switch kubeError.category {
        case .notFound:
            if kubeError.isUnservedResource, let resource = kubeError.resourceDescription, resource.hasSuffix(QiniuGroup.name) {
                return CLIError(
                    "the server does not serve \(resource): the qmysql CRDs are not installed",
                    hint: "run `kubectl qmysql install` (needs permission to create CustomResourceDefinitions)",
                    status: .notFound)
            }
            return CLIError(message, status: .notFound)
        case .unauthorized:
            return CLIError(message, hint: "check the credentials of that user in the kubeconfig, or log in again", status: .failure)
        case .forbidden:
            return CLIError(message, hint: "ask a cluster administrator for that permission (see docs/cli.md for the RBAC each command needs)", status: .failure)
        case .unreachable:
            return CLIError(message, hint: "check that the server is running and reachable, and that --context names the right cluster", status: .configuration)
        case .configuration:
            return CLIError(message, hint: "fix the kubeconfig, or choose another with --kubeconfig or --context", status: .configuration)
        case .invalid:
            return CLIError(message, status: .failure)
        default:
            return CLIError(message, status: .failure)
        }
    }
}
