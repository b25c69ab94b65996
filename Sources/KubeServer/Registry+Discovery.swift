import KubeAPI

extension Registry {
    /// Answers the non-resource paths: discovery, `/version` and health checks.
    func nonResource(path: String, method: String) -> APIResponse {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let parts = trimmed.split(separator: "/").map(String.init)
        let response: APIResponse
        switch parts.count {
        case 1 where ["healthz", "livez", "readyz"].contains(parts[0]):
            response = .text(200, "ok")
        case 1 where parts[0] == "version":
            response = .json(200, Discovery.version)
        case 1 where parts[0] == "api":
            response = .json(200, Discovery.coreVersions(serverAddress: settings.serverAddress.address))
        case 1 where parts[0] == "apis":
            response = .json(200, Discovery.groupList(catalog))
        case 2 where parts[0] == "api":
            guard let definitions = catalog.resources(group: "", version: parts[1]) else { return .status(.pathNotFound) }
            response = .json(200, Discovery.resourceList(group: "", version: parts[1], definitions))
        case 2 where parts[0] == "apis":
            guard let group = catalog.groups.first(where: { $0.name == parts[1] }) else { return .status(.pathNotFound) }
            response = .json(200, Discovery.group(group.name, group.versions))
        case 3 where parts[0] == "apis":
            guard let definitions = catalog.resources(group: parts[1], version: parts[2]) else {
                return .status(.pathNotFound)
            }
            response = .json(200, Discovery.resourceList(group: parts[1], version: parts[2], definitions))
        default:
            return .status(.pathNotFound)
        }
        return method == "GET" || method == "HEAD" ? response : .status(.methodNotAllowed)
    }
}
