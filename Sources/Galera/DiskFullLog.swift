/// Recognises mysqld's error-log lines that say its disk is full: InnoDB's "Operating system
/// error number 28" and "No space left on device", Aria's and MyISAM's "Disk full (...)", and
/// "Errcode: 28" from any file operation (28 is ENOSPC on Linux).
public enum DiskFullLog {
    public static func saysDiskFull(_ line: some StringProtocol) -> Bool {
        let lower = line.lowercased()
        return lower.contains("no space left on device") || lower.contains("disk full")
            || lower.contains("errcode: 28") || lower.contains("error number 28")
    }
}
