import KubeAPI
import KubeSchema

/// Checks a spec against its CRD's schema before anything is sent, with the API server's own
/// validator, so the CLI's messages are the server's (docs/design.md, "Validation has one source").
enum SpecValidation {
    static func check(_ object: JSONValue, against crd: JSONValue, kind: String, name: String) throws {
        do {
            _ = try CustomResourceAdmission.admit(object, crd: crd)
        } catch let status as Status {
            let causes = (status.details?.causes ?? []).map { "  \($0.field ?? "(object)"): \($0.message ?? "invalid")" }
            throw CLIError(
                "\(kind) \"\(name)\" is invalid; nothing was sent:\n" + causes.joined(separator: "\n"),
                hint: "fix the fields above (see `kubectl qmysql create --help`)", status: .failure)
        }
    }
}
