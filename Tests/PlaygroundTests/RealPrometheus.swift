import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeAPI
@testable import Playground

/// Debian's Prometheus (installed by scripts/setup), run in the foreground on loopback with the
/// rules users load (monitoring/qmysql-alerts.yaml), scraping the playground's controller and
/// agents over HTTPS (verified against the cluster's CA) and its operator over HTTP.
struct RealPrometheus {
    let process: ManagedProcess
    let port: Int
    let directory: String

    struct Target {
        var job: String
        var address: String
        /// nil: plain HTTP.
        var serverName: String?
        var labels: [String: String] = [:]
    }

    /// Scrapes and evaluates every second, so an alert is pending a second or two after its
    /// expression holds.
    static func start(in directory: String, targets: [Target], caPEM: String, rules: String) async throws -> RealPrometheus {
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try caPEM.write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: rules, toPath: directory + "/qmysql-alerts.yaml")
        var config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [qmysql-alerts.yaml]
            scrape_configs:

            """
        for (index, target) in targets.enumerated() {
            config += "  - job_name: \(target.job)-\(index)\n"
            config += "    metrics_path: /metrics\n"
            if let serverName = target.serverName {
                config += "    scheme: https\n    tls_config: {ca_file: ca.crt, server_name: \"\(serverName)\"}\n"
            }
            // One scrape config per target (each its own server name), relabelled to the job the rules use.
            let rendered = target.labels.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ")
            config += "    static_configs: [{targets: [\"\(target.address)\"], labels: {\(rendered)}}]\n"
            config += "    relabel_configs: [{target_label: job, replacement: \"\(target.job)\"}]\n"
        }
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try PortCheck.freePort(host: "127.0.0.1")
        let process = try ManagedProcess.spawn(
            "/usr/bin/prometheus",
            arguments: ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                        "--web.listen-address=127.0.0.1:\(port)"],
            environment: ProcessInfo.processInfo.environment, logPath: directory + "/prometheus.log", pidFile: directory + "/prometheus.pid")
        let prometheus = RealPrometheus(process: process, port: port, directory: directory)
        for _ in 0..<100 {
            if (try? await Self.fetchData("http://127.0.0.1:\(port)/-/ready")) != nil { return prometheus }
            try await Task.sleep(for: .milliseconds(200))
        }
        await prometheus.stop()
        throw PrometheusFailure(description: "prometheus was not ready in 20 s: \(prometheus.log)")
    }

    struct PrometheusFailure: Error, CustomStringConvertible {
        var description: String
    }

    var log: String { (try? String(contentsOfFile: directory + "/prometheus.log", encoding: .utf8)) ?? "" }

    /// GET `url` (plain HTTP): the body, which must come with 200 unless `anyStatus`.
    static func fetchData(_ url: String, anyStatus: Bool = false) async throws -> Data {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard anyStatus || status == 200 else { throw PrometheusFailure(description: "GET \(url): \(status)") }
        return data
    }

    static func fetch(_ url: String) async throws -> String {
        String(decoding: try await fetchData(url), as: UTF8.self)
    }

    /// A JSON answer of Prometheus's API; with `anyStatus`, also its errors (400 for a bad query).
    func get(_ path: String, anyStatus: Bool = false) async throws -> JSONValue {
        try JSONValue.parse(try await Self.fetchData("http://127.0.0.1:\(port)\(path)", anyStatus: anyStatus))
    }

    /// Every scrape target's health, by job.
    func targets() async throws -> [(job: String, health: String, error: String)] {
        let body = try await get("/api/v1/targets")
        return (body[path: ["data", "activeTargets"]]?.arrayValue ?? []).map {
            ($0[path: ["labels", "job"]]?.stringValue ?? "", $0["health"]?.stringValue ?? "", $0["lastError"]?.stringValue ?? "")
        }
    }

    /// The active alerts (pending or firing) as (name, state, labels).
    func alerts() async throws -> [(name: String, state: String, labels: [String: String])] {
        let body = try await get("/api/v1/alerts")
        return (body[path: ["data", "alerts"]]?.arrayValue ?? []).map { alert in
            let labels = (alert["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            return (labels["alertname"] ?? "", alert["state"]?.stringValue ?? "", labels)
        }
    }

    /// An instant query's answer, success or not.
    private func instantQuery(_ expression: String) async throws -> JSONValue {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        return try await get("/api/v1/query?query=\(encoded)", anyStatus: true)
    }

    /// An instant query's status: "success", or Prometheus's error (a syntax error says where).
    func queryStatus(_ expression: String) async throws -> String {
        let body = try await instantQuery(expression)
        return body["status"]?.stringValue == "success" ? "success" : "\(body["errorType"]?.stringValue ?? "?"): \(body["error"]?.stringValue ?? "?")"
    }

    /// The value of an instant query's first sample, if any.
    func query(_ expression: String) async throws -> Double? {
        let body = try await instantQuery(expression)
        return (body[path: ["data", "result"]]?.arrayValue?.first?["value"]?.arrayValue?.last?.stringValue).flatMap(Double.init)
    }

    /// Stops it and removes its directory (configuration and TSDB).
    func stop() async {
        await process.stop(grace: .seconds(10))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
