import KubeAPI
import Testing
@testable import KubeServer

@Suite("Label and field selectors")
struct SelectorTests {
    func matches(_ selector: String, _ labels: [String: String]) throws -> Bool {
        try LabelSelector.parse(selector).matches(labels)
    }

    @Test("equality, inequality and their spellings")
    func equality() throws {
        #expect(try matches("app=db", ["app": "db"]))
        #expect(try matches("app==db", ["app": "db"]))
        #expect(try !matches("app=db", ["app": "web"]))
        #expect(try matches("app!=db", ["app": "web"]))
        #expect(try matches("app!=db", [:]), "!= matches objects without the label")
        #expect(try matches("app=db,tier=back", ["app": "db", "tier": "back"]))
        #expect(try !matches("app=db,tier=back", ["app": "db"]))
        #expect(try matches("app=", ["app": ""]))
    }

    @Test("set-based operators")
    func sets() throws {
        #expect(try matches("env in (prod, staging)", ["env": "staging"]))
        #expect(try !matches("env in (prod)", [:]))
        #expect(try matches("env notin (prod)", [:]))
        #expect(try !matches("env notin (prod,dev)", ["env": "dev"]))
        #expect(try matches("env", ["env": "x"]))
        #expect(try !matches("env", [:]))
        #expect(try matches("!env", [:]))
        #expect(try !matches("!env", ["env": "x"]))
        #expect(try matches("replicas>2", ["replicas": "3"]))
        #expect(try !matches("replicas<2", ["replicas": "3"]))
        #expect(try matches("a in (x),!b,c!=d", ["a": "x"]))
        #expect(try LabelSelector.parse("").isEmpty)
    }

    @Test("parsed requirements keep key, operator and values")
    func structure() throws {
        let selector = try LabelSelector.parse("app.kubernetes.io/name in (mysql, galera),!canary")
        #expect(selector.requirements == [
            .init(key: "app.kubernetes.io/name", op: .in, values: ["mysql", "galera"]),
            .init(key: "canary", op: .doesNotExist, values: []),
        ])
    }

    @Test("malformed selectors are errors", arguments: ["app in prod", "app in ()", "=x", "app=a b", "a,,b", "app>x", "bad key!=1", "a=(b"])
    func malformed(selector: String) {
        #expect(throws: LabelSelector.ParseError.self) { try LabelSelector.parse(selector) }
    }

    @Test("field selectors: =, ==, != and escapes")
    func fields() throws {
        let selector = try FieldSelector.parse("metadata.name=a\\,b,status.phase!=Running,metadata.namespace==default")
        #expect(selector.terms == [
            .init(field: "metadata.name", negated: false, value: "a,b"),
            .init(field: "status.phase", negated: true, value: "Running"),
            .init(field: "metadata.namespace", negated: false, value: "default"),
        ])
        let values = ["metadata.name": "a,b", "status.phase": "Pending", "metadata.namespace": "default"]
        #expect(selector.matches { values[$0] ?? "" })
        #expect(!selector.matches { $0 == "status.phase" ? "Running" : values[$0] ?? "" })
        #expect(throws: FieldSelector.ParseError.self) { try FieldSelector.parse("metadata.name") }
    }

    @Test("object filters read the resource's selectable fields")
    func filter() {
        let filter = ObjectFilter(namespace: "default", labels: .everything,
                                  fields: FieldSelector(terms: [.init(field: "status.phase", negated: false, value: "Running")]),
                                  selectableFields: ["status.phase": ["status", "phase"]])
        #expect(filter.matches(["metadata": ["namespace": "default"], "status": ["phase": "Running"]]))
        #expect(!filter.matches(["metadata": ["namespace": "other"], "status": ["phase": "Running"]]))
        #expect(!filter.matches(["metadata": ["namespace": "default"]]))
    }
}
