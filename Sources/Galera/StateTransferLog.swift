/// Recognises the error-log line with which a joiner's SST script reports a finished transfer:
/// `WSREP_SST: [INFO] mariabackup IST completed on joiner (...)`. The script also runs for IST,
/// so this line is how IST and full SST are told apart.
public enum StateTransferLog {
    public enum Method: String, Sendable, Hashable, Codable {
        case ist = "IST"
        case sst = "SST"
    }

    public static func completedTransfer(in line: some StringProtocol) -> Method? {
        if line.contains("IST completed on joiner") { return .ist }
        if line.contains("SST completed on joiner") { return .sst }
        return nil
    }
}
