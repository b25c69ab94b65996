import Foundation
import KubeAPI
import Testing

@Suite struct ModelTests {
    @Test func unsetOptionalFieldsAreNotEncoded() throws {
        let set = StatefulSet(metadata: ObjectMeta(name: "demo", namespace: "rds"), spec: StatefulSetSpec(
            replicas: 3, selector: LabelSelector(matchLabels: ["app": "demo"]),
            template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "demo"]), spec: PodSpec(containers: [
                Container(name: "mysql", image: "mariadb:11", env: [.fromSecret("MYSQL_ROOT_PASSWORD", secret: "demo-secret", key: "root")],
                          ports: [ContainerPort(name: "mysql", containerPort: 3306)],
                          readinessProbe: Probe(httpGet: HTTPGetAction(path: "/ready", port: 8080), periodSeconds: 5)),
            ], volumes: [Volume(name: "config", configMap: ConfigMapVolumeSource(name: "demo-cnf"))])),
            serviceName: "demo-peers",
            volumeClaimTemplates: [PersistentVolumeClaimTemplate(metadata: ObjectMeta(name: "data"), spec: PersistentVolumeClaimSpec(
                accessModes: ["ReadWriteOnce"], resources: ResourceRequirements(requests: ["storage": "10Gi"])))],
            podManagementPolicy: "Parallel"))
        let json = try JSONValue(encoding: set)
        #expect(json == [
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": ["name": "demo", "namespace": "rds"],
            "spec": [
                "replicas": 3, "selector": ["matchLabels": ["app": "demo"]], "serviceName": "demo-peers", "podManagementPolicy": "Parallel",
                "template": [
                    "metadata": ["labels": ["app": "demo"]],
                    "spec": [
                        "containers": [[
                            "name": "mysql", "image": "mariadb:11",
                            "env": [["name": "MYSQL_ROOT_PASSWORD", "valueFrom": ["secretKeyRef": ["name": "demo-secret", "key": "root"]]]],
                            "ports": [["name": "mysql", "containerPort": 3306]],
                            "readinessProbe": ["httpGet": ["path": "/ready", "port": 8080], "periodSeconds": 5],
                        ]],
                        "volumes": [["name": "config", "configMap": ["name": "demo-cnf"]]],
                    ],
                ],
                "volumeClaimTemplates": [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "10Gi"]]]]],
            ],
        ])
    }

    @Test func decodesAServerPodIgnoringUnknownFields() throws {
        let text = """
            {"metadata":{"name":"demo-0","namespace":"rds","uid":"u1","resourceVersion":"42","managedFields":[{"manager":"x"}]},
             "spec":{"containers":[{"name":"mysql","image":"mariadb:11","terminationMessagePath":"/dev/termination-log"}],"dnsPolicy":"ClusterFirst"},
             "status":{"phase":"Running","podIP":"10.1.2.3","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],
                       "containerStatuses":[{"name":"mysql","ready":true,"restartCount":2,"state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}}}]}}
            """
        let pod = try JSONDecoder().decode(Pod.self, from: Data(text.utf8))
        #expect(pod.metadata.resourceVersion == "42")
        #expect(pod.isReady)
        #expect(pod.status?.podIP == "10.1.2.3")
        #expect(pod.status?.containerStatuses?.first?.restartCount == 2)
        #expect(pod.status?.containerStatuses?.first?.state?[path: ["running", "startedAt"]] == "2024-01-01T00:00:00Z")
        #expect(pod.apiVersion == nil)  // list items come without apiVersion and kind
    }

    @Test func secretDataIsBase64OnTheWire() throws {
        let secret = Secret(metadata: ObjectMeta(name: "s"), data: ["root": Data("p@ss".utf8)], stringData: ["user": "admin"])
        let json = try JSONValue(encoding: secret)
        #expect(json["data"] == ["root": .string(Data("p@ss".utf8).base64EncodedString())])
        let back = try json.decode(as: Secret.self)
        #expect(back.string(forKey: "root") == "p@ss")
        #expect(back.string(forKey: "user") == "admin")
    }

    @Test func intOrStringKeepsItsKind() throws {
        let budget = PodDisruptionBudget(metadata: ObjectMeta(name: "p"), spec: PodDisruptionBudgetSpec(maxUnavailable: 1))
        #expect(try JSONValue(encoding: budget)[path: ["spec", "maxUnavailable"]] == 1)
        let percent = try JSONDecoder().decode(IntOrString.self, from: Data("\"50%\"".utf8))
        #expect(percent == .string("50%"))
    }

    @Test func crdServesItsStorageVersion() throws {
        var crd = CustomResourceDefinition(metadata: ObjectMeta(name: "qiniumysqls.mysql.qiniu.com"), spec: CustomResourceDefinitionSpec(
            group: "mysql.qiniu.com", names: CustomResourceDefinitionNames(plural: "qiniumysqls", singular: "qiniumysql", kind: "QiniuMySQL", shortNames: ["qm"]),
            scope: "Namespaced",
            versions: [CustomResourceDefinitionVersion(name: "v1alpha1", storage: true,
                                                       schema: CustomResourceValidation(openAPIV3Schema: ["type": "object"]),
                                                       subresources: .statusOnly,
                                                       additionalPrinterColumns: [CustomResourceColumnDefinition(name: "State", type: "string", jsonPath: ".status.state")])]))
        #expect(crd.servedResourceType() == ResourceType(group: "mysql.qiniu.com", version: "v1alpha1", plural: "qiniumysqls", kind: "QiniuMySQL", namespaced: true))
        #expect(crd.servedResourceType(version: "v2") == nil)
        #expect(!crd.isEstablished)
        crd.status = CustomResourceDefinitionStatus(conditions: [Condition(type: "Established", status: "True")])
        #expect(crd.isEstablished)
        #expect(try JSONValue(encoding: crd)[path: ["spec", "versions"]]?.arrayValue?.first?["subresources"] == ["status": [:]])
    }

    @Test func labelSelectorQueryString() {
        let selector = LabelSelector(matchLabels: ["b": "2", "a": "1"], matchExpressions: [
            LabelSelectorRequirement(key: "tier", operator: "In", values: ["db", "cache"]),
            LabelSelectorRequirement(key: "legacy", operator: "DoesNotExist"),
        ])
        #expect(selector.queryString == "a=1,b=2,tier in (cache,db),!legacy")
    }
}
