import Foundation
import KubeAPI
import Testing
@testable import KubeServer
@testable import KubeSchema

@Suite("Pure rules: names, formatting, JSON patch, store history, defaults")
struct PureRulesTests {
    @Test("DNS names, labels and qualified names")
    func names() {
        #expect(NameValidation.dns1123Subdomain("demo.example-1").isEmpty)
        #expect(NameValidation.dns1123Subdomain("Demo") == [NameValidation.subdomainMessage])
        #expect(NameValidation.dns1123Subdomain("a..b") == [NameValidation.subdomainMessage])
        #expect(NameValidation.dns1123Label("a.b") == [NameValidation.labelMessage])
        #expect(NameValidation.dns1123Label(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
        #expect(NameValidation.dns1035Label("1abc") == [NameValidation.dns1035Message])
        #expect(NameValidation.Rule.subdomain.problems("job-", prefix: true).isEmpty, "generateName may end with '-'")
        #expect(NameValidation.qualifiedName("example.com/finalizer").isEmpty)
        #expect(NameValidation.qualifiedName("a/b/c") == [NameValidation.qualifiedNameFormatMessage])
        #expect(NameValidation.labelValue("bad value") == [NameValidation.labelValueMessage])
        #expect(NameValidation.pathSegment("a/b", prefix: false) == ["may not contain '/'"])
    }

    @Test("values print as Go prints them in kube messages")
    func goFormatting() {
        #expect(GoFormat.value("a\"b") == "\"a\\\"b\"")
        #expect(GoFormat.value(2) == "2")
        #expect(GoFormat.value(2.5) == "2.5")
        #expect(GoFormat.value(["b": 1, "a": "x"]) == "map[string]interface {}{\"a\":\"x\", \"b\":1}")
        #expect(GoFormat.value([1, nil]) == "[]interface {}{1, interface {}(nil)}")
        #expect(FieldError.required("spec.x").message == "spec.x: Required value")
        #expect([FieldError.required("a"), .required("a"), .required("b")].aggregateMessage == "[a: Required value, b: Required value]")
    }

    @Test("JSON patch operations")
    func jsonPatch() throws {
        let document: JSONValue = ["a": ["b": 1], "list": [1, 2]]
        let patch: JSONValue = [
            ["op": "add", "path": "/a/c", "value": 2],
            ["op": "replace", "path": "/a/b", "value": 5],
            ["op": "add", "path": "/list/-", "value": 3],
            ["op": "remove", "path": "/list/0"],
            ["op": "copy", "from": "/a/c", "path": "/d"],
            ["op": "move", "from": "/d", "path": "/e~1f"],
            ["op": "test", "path": "/e~1f", "value": 2],
        ]
        #expect(try JSONPatch.apply(patch, to: document) == ["a": ["b": 5, "c": 2], "list": [2, 3], "e/f": 2])
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply([["op": "remove", "path": "/missing"]], to: document) }
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply([["op": "test", "path": "/a/b", "value": 9]], to: document) }
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply(["op": "add"], to: document) }
    }

    @Test("the store rebuilds past snapshots and reports compacted history")
    func storeHistory() throws {
        let resource = GroupResource(group: "", resource: "configmaps")
        var store = ObjectStore(historyLimit: 3)
        let a = ObjectKey(namespace: "default", name: "a")
        let first = store.put(resource, a, ["metadata": ["name": "a"], "data": ["v": "1"]])
        let second = store.put(resource, a, ["metadata": ["name": "a"], "data": ["v": "2"]])
        #expect(first.kind == .added && second.kind == .modified)
        #expect(try store.snapshot(resource, at: first.resourceVersion)[a]?[path: ["data", "v"]] == "1")
        let removed = store.remove(resource, a)
        #expect(removed?.object[path: ["data", "v"]] == "2")
        #expect(removed?.object[path: ["metadata", "resourceVersion"]] == .string(String(removed!.resourceVersion)))
        #expect(try store.snapshot(resource, at: second.resourceVersion)[a] != nil)
        #expect(try store.events(of: resource, after: first.resourceVersion).map(\.kind) == [.modified, .deleted])
        // Changes of another resource do not push this one's history out (one window per resource).
        let other = GroupResource(group: "", resource: "secrets")
        for index in 0..<5 { _ = store.put(other, ObjectKey(namespace: "default", name: "s\(index)"), [:]) }
        #expect(try store.events(of: resource, after: first.resourceVersion).count == 2)
        #expect(throws: ObjectStore.HistoryError.self) { try store.events(of: other, after: first.resourceVersion) }
        for index in 0..<3 { _ = store.put(resource, ObjectKey(namespace: "default", name: "x\(index)"), [:]) }
        #expect(throws: ObjectStore.HistoryError.self) { try store.events(of: resource, after: first.resourceVersion) }
        store.compact()
        #expect(throws: ObjectStore.HistoryError.self) { try store.snapshot(resource, at: store.resourceVersion - 1) }
        #expect(try store.events(of: resource, after: store.resourceVersion).isEmpty)
    }

    @Test("continue tokens round-trip and reject garbage")
    func continueTokens() throws {
        let token = ContinueToken(resourceVersion: 42, lastKey: "default/a")
        #expect(try ContinueToken.decode(token.encoded()) == token)
        #expect(throws: APIFailure.self) { try ContinueToken.decode("garbage") }
    }

    @Test("built-in defaults match kube's for the pod templates the operator renders")
    func builtinDefaults() {
        let statefulSet: JSONValue = ["spec": [
            "template": ["spec": ["containers": [[
                "name": "mysql", "image": "mariadb:11.4",
                "ports": [["containerPort": 3306]],
                "readinessProbe": ["httpGet": ["path": "/ready", "port": 8080]],
                "env": [["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]],
            ]], "volumes": [["name": "conf", "configMap": ["name": "c"]]]]],
            "volumeClaimTemplates": [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"]]]],
        ]]
        let defaulted = BuiltinDefaults.apply(GroupResource(group: "apps", resource: "statefulsets"), to: statefulSet)
        #expect(defaulted[path: ["spec", "replicas"]] == 1)
        #expect(defaulted[path: ["spec", "podManagementPolicy"]] == "OrderedReady")
        #expect(defaulted[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(defaulted[path: ["spec", "template", "metadata", "creationTimestamp"]] == .null)
        let pod = defaulted[path: ["spec", "template", "spec"]] ?? .null
        #expect(pod["dnsPolicy"] == "ClusterFirst")
        #expect(pod["terminationGracePeriodSeconds"] == 30)
        let container = pod["containers"]?.arrayValue?.first ?? .null
        #expect(container["imagePullPolicy"] == "IfNotPresent")
        #expect(container[path: ["ports"]] == [["containerPort": 3306, "protocol": "TCP"]])
        #expect(container["readinessProbe"] == ["httpGet": ["path": "/ready", "port": 8080, "scheme": "HTTP"], "timeoutSeconds": 1,
                                                 "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3])
        #expect(container[path: ["env"]]?.arrayValue?.first?[path: ["valueFrom", "fieldRef", "apiVersion"]] == "v1")
        #expect(pod["volumes"]?.arrayValue?.first?[path: ["configMap", "defaultMode"]] == 420)
        let claim = defaulted[path: ["spec", "volumeClaimTemplates"]]?.arrayValue?.first ?? .null
        #expect(claim["kind"] == "PersistentVolumeClaim" && claim[path: ["spec", "volumeMode"]] == "Filesystem")
        #expect(BuiltinDefaults.pullPolicy(for: "mariadb") == "Always")
        #expect(BuiltinDefaults.pullPolicy(for: "registry:5000/mariadb:latest") == "Always")
        #expect(BuiltinDefaults.pullPolicy(for: "registry:5000/mariadb") == "Always")
        #expect(BuiltinDefaults.pullPolicy(for: "mariadb@sha256:abc") == "IfNotPresent")
        // Defaulting is idempotent: applying twice changes nothing.
        #expect(BuiltinDefaults.apply(GroupResource(group: "apps", resource: "statefulsets"), to: defaulted) == defaulted)
    }

    @Test("secret stringData becomes base64 data; invalid base64 is rejected")
    func secrets() throws {
        let secret = try ConfigDataRules.secret(["stringData": ["password": "s3cret"], "data": ["a": "YQ=="]])
        #expect(secret == ["data": ["a": "YQ==", "password": .string(Data("s3cret".utf8).base64EncodedString())]])
        #expect(throws: APIFailure.self) { try ConfigDataRules.secret(["data": ["a": "not base64!"]]) }
        #expect(ConfigDataRules.keyErrors(["data": ["bad key": "x"]], fields: ["data"]).map(\.field) == ["data[bad key]"])
    }
}

@Suite("Built-in validation")
struct BuiltinValidationTests {
    let statefulSets = GroupResource(group: "apps", resource: "statefulsets")

    func statefulSet(selector: JSONValue = ["matchLabels": ["app": "db"]], labels: JSONValue = ["app": "db"],
                     serviceName: String = "db", replicas: Int64 = 3) -> JSONValue {
        ["spec": ["replicas": .int(replicas), "serviceName": .string(serviceName), "selector": selector,
                  "template": ["metadata": ["labels": labels], "spec": ["containers": [["name": "mysql", "image": "mariadb:11"]]]]]]
    }

    @Test("a selector must match the template's labels")
    func selectorMatch() {
        #expect(BuiltinValidation.errors(statefulSets, new: statefulSet(), old: nil).isEmpty)
        let errors = BuiltinValidation.errors(statefulSets, new: statefulSet(labels: ["app": "web"]), old: nil)
        #expect(errors.map(\.message) == ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"])
        let expressions: JSONValue = ["matchExpressions": [["key": "app", "operator": "In", "values": ["db", "x"]]]]
        #expect(BuiltinValidation.errors(statefulSets, new: statefulSet(selector: expressions), old: nil).isEmpty)
        var missing = statefulSet()
        missing[path: ["spec", "selector"]] = nil
        #expect(BuiltinValidation.errors(statefulSets, new: missing, old: nil).map(\.message) == ["spec.selector: Required value"])
    }

    @Test("only some StatefulSet fields may change")
    func statefulSetImmutability() {
        let old = statefulSet()
        #expect(BuiltinValidation.errors(statefulSets, new: statefulSet(replicas: 5), old: old).isEmpty)
        let renamed = BuiltinValidation.errors(statefulSets, new: statefulSet(serviceName: "other"), old: old)
        #expect(renamed.map(\.kind) == [.forbidden])
        #expect(renamed.first?.message.hasPrefix("spec: Forbidden: updates to statefulset spec for fields other than 'replicas'") == true)
    }

    @Test("containers need names and images; several service ports need names")
    func podsAndServices() {
        let pod: JSONValue = ["spec": ["containers": [["name": "a"], ["name": "a", "image": "x"]]]]
        #expect(BuiltinValidation.errors(GroupResource(group: "", resource: "pods"), new: pod, old: nil).map(\.message) == [
            "spec.containers[0].image: Required value",
            "spec.containers[1].name: Duplicate value: \"a\"",
        ])
        let service: JSONValue = ["spec": ["ports": [["port": 3306], ["port": 4567, "name": "galera"]]]]
        #expect(BuiltinValidation.errors(GroupResource(group: "", resource: "services"), new: service, old: nil).map(\.message)
                == ["spec.ports[0].name: Required value"])
    }

    @Test("a RoleBinding's roleRef cannot change; events must match their object's namespace")
    func rbacAndEvents() {
        let binding: JSONValue = ["roleRef": ["kind": "Role", "name": "a", "apiGroup": "rbac.authorization.k8s.io"]]
        var changed = binding
        changed[path: ["roleRef", "name"]] = "b"
        let errors = BuiltinValidation.errors(GroupResource(group: "rbac.authorization.k8s.io", resource: "rolebindings"),
                                              new: changed, old: binding)
        #expect(errors.map(\.detail) == ["cannot change roleRef"])
        let event: JSONValue = ["metadata": ["namespace": "a"], "involvedObject": ["namespace": "b"]]
        #expect(BuiltinValidation.errors(GroupResource(group: "", resource: "events"), new: event, old: nil).map(\.message)
                == ["involvedObject.namespace: Invalid value: \"b\": does not match event.namespace"])
    }
}
