import KubeAPI
import KubeClient
import QiniuAPI

/// One command's connection to the API server: the client, the namespace the command acts in,
/// and the translation of every client error into a message a person can act on.
struct KubeSession: Sendable {
    /// The field manager name this tool uses for server-side apply.
    static let fieldManager = "kubectl-qmysql"

    let client: KubeClient
    let namespace: String

    /// Runs `body` with a connected client, shuts the client down, and reports errors as `CLIError`.
    static func with<T: Sendable>(_ options: KubeOptions, _ body: (KubeSession) async throws -> T) async throws -> T {
        let client: KubeClient
        do {
            client = try KubeClient.make(options: options.clientOptions)
        } catch {
            throw ErrorReport.explain(error, context: nil)
        }
        let session = KubeSession(client: client, namespace: client.namespace)
        do {
            let result = try await body(session)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw ErrorReport.explain(error, context: client)
        }
    }
}
