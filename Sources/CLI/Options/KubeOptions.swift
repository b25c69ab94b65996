import ArgumentParser
import Foundation
import KubeClient

/// The connection flags every command takes, spelled as kubectl spells them so that
/// `kubectl qmysql get -n prod --context east` means what a kubectl user expects.
struct KubeOptions: ParsableArguments {
    @Option(name: .customLong("kubeconfig"), help: ArgumentHelp("Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).", valueName: "path"))
    var kubeconfig: String?

    @Option(name: .customLong("context"), help: ArgumentHelp("The kubeconfig context to use.", valueName: "name"))
    var context: String?

    @Option(name: [.customShort("n"), .customLong("namespace")], help: ArgumentHelp("The namespace (default: the context's, else \"default\").", valueName: "namespace"))
    var namespace: String?

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("How long to wait for one API request, like 30s, 1m or 0 (no limit).", valueName: "duration"))
    var requestTimeout: String = "30s"

    func validate() throws {
        guard DurationText.parse(requestTimeout) != nil else {
            throw ValidationError("--request-timeout \"\(requestTimeout)\" is not a duration: use a number with a unit, like 30s, 2m or 1h (0 means no limit).")
        }
    }

    var clientOptions: ClientOptions {
        let timeout = DurationText.parse(requestTimeout) ?? .seconds(30)
        return ClientOptions(
            kubeconfig: kubeconfig, context: context, namespace: namespace,
            requestTimeout: timeout == .zero ? nil : timeout)
    }
}

/// Durations as kubectl writes them: `30s`, `5m`, `1h30m`, `250ms`, or a plain number of seconds.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
        var total = Duration.zero
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            var unit = ""
            while index < text.endIndex, text[index].isLetter {
                unit.append(text[index])
                index = text.index(after: index)
            }
            guard let value = Double(number), value >= 0 else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += .milliseconds(Int64((value * scale * 1000).rounded()))
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }
}
