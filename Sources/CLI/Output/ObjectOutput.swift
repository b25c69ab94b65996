import KubeAPI

/// Prints one object or a list for `-o json|yaml|name`.
enum ObjectOutput {
    static func print(_ object: JSONValue, format: OutputFormat, resource: ResourceType) throws {
        switch format {
        case .name:
            Swift.print("\(singular(resource))/\(object[path: ["metadata", "name"]]?.stringValue ?? "")")
        default:
            Swift.print(try DataPrinter.render(object, as: format), terminator: "")
        }
    }

    static func printList(_ objects: [JSONValue], format: OutputFormat, resource: ResourceType) throws {
        switch format {
        case .name:
            for object in objects { try print(object, format: .name, resource: resource) }
        default:
            Swift.print(try DataPrinter.renderList(objects, as: format), terminator: "")
        }
    }

    /// `qiniumysql.mysql.qiniu.com`, the prefix kubectl uses in `-o name`.
    static func singular(_ resource: ResourceType) -> String {
        "\(resource.kind.lowercased()).\(resource.group)"
    }
}
