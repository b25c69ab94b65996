import Foundation
import KubeAPI
import Testing

@testable import QiniuAPI

@Suite struct QiniuResourceTests {
    @Test func clusterEncodesOnlyWhatWasSet() throws {
        let cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "default"), spec: QiniuMySQLSpec(replicas: 5))
        let json = try JSONValue(encoding: cluster)
        #expect(json["apiVersion"] == "mysql.qiniu.com/v1alpha1")
        #expect(json["kind"] == "QiniuMySQL")
        #expect(json[path: ["spec", "replicas"]] == 5)
        // Unset optionals must not be sent: the server's defaults apply only to absent fields.
        #expect(json[path: ["spec"]]?.objectValue?.keys.sorted() == ["replicas"])
        #expect(json["status"] == nil)
    }

    @Test func dataTaskRoundTripsWithStatus() throws {
        let task = QiniuMySQLData(
            metadata: ObjectMeta(name: "demo-backup-abc12"),
            spec: QiniuMySQLDataSpec(cluster: "demo", action: .backup),
            status: QiniuMySQLDataStatus(
                phase: .running, steps: [DataStep(name: "stream", state: .running)],
                backup: BackupRecord(id: "b1", location: "/backups/b1.xb.gz", size: 1024, position: "uuid:12")))
        let decoded = try JSONValue(encoding: task).decode(as: QiniuMySQLData.self)
        #expect(decoded == task)
        #expect(DataPhase.succeeded.isFinished && DataPhase.failed.isFinished && !DataPhase.running.isFinished)
    }

    @Test(arguments: [QiniuCRDs.qiniuMySQL, QiniuCRDs.qiniuMySQLData])
    func crdIsServedStoredWithStatusSubresource(_ crd: JSONValue) throws {
        #expect(crd["apiVersion"] == "apiextensions.k8s.io/v1")
        let version = try #require(crd[path: ["spec", "versions"]]?.arrayValue?.first)
        #expect(version["name"] == "v1alpha1")
        #expect(version["served"] == true && version["storage"] == true)
        #expect(version[path: ["subresources", "status"]] == .object([:]))
        let columns = try #require(version["additionalPrinterColumns"]?.arrayValue)
        #expect(columns.contains { $0["name"] == "Age" && $0["type"] == "date" })
        let name = try #require(crd[path: ["metadata", "name"]]?.stringValue)
        let plural = try #require(crd[path: ["spec", "names", "plural"]]?.stringValue)
        #expect(name == "\(plural).mysql.qiniu.com")
    }

    @Test func clusterSchemaCarriesTheRules() throws {
        let spec = try #require(QiniuCRDs.qiniuMySQL[path: ["spec", "versions"]]?.arrayValue?.first?[
            path: ["schema", "openAPIV3Schema", "properties", "spec", "properties"]])
        #expect(spec[path: ["replicas", "enum"]] == [1, 3, 5, 7, 9])
        #expect(spec[path: ["replicas", "default"]] == 3)
        #expect(spec[path: ["flavor", "enum"]] == ["mariadb", "percona"])
        #expect(spec[path: ["backup", "properties", "reservedDays", "minimum"]] == 1)
        #expect(spec[path: ["backup", "properties", "reservedDays", "default"]] == 7)
        #expect(spec[path: ["autoRecovery", "default"]] == true)
        #expect(spec[path: ["backup", "properties", "backupTime", "pattern"]]?.stringValue == QiniuCRDs.backupTimePattern)
    }

    @Test(arguments: [
        ("01:01", true), ("01:01,13:01", true), ("00:00,23:59", true),
        ("24:00", false), ("1:01", false), ("01:60", false), ("01:01,", false), ("01:01;13:01", false), ("", false),
    ])
    func backupTimePattern(_ text: String, _ valid: Bool) throws {
        let regex = try NSRegularExpression(pattern: QiniuCRDs.backupTimePattern)
        let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        #expect(match == valid, "\(text)")
    }

    @Test(arguments: [("10Gi", true), ("512Mi", true), ("1.5Ti", true), ("100", true), ("500m", true), ("0.5", true), ("250u", true),
                      ("1e3", true), ("2k", true), ("10GB", false), ("-1Gi", false), ("Gi", false), ("5mi", false), ("1.5.1", false)])
    func quantityPattern(_ text: String, _ valid: Bool) throws {
        let regex = try NSRegularExpression(pattern: QiniuCRDs.quantityPattern)
        let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        #expect(match == valid, "\(text)")
    }
}
