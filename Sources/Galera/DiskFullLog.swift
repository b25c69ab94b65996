/// Recognises mysqld's error-log lines that say its disk is full, by the error code where the
/// line carries one (28 is ENOSPC on Linux: `Errcode: 28`, `errno: 28`, `error number 28`,
/// InnoDB's `failed with error 28`) and by the words where it does not (InnoDB's `Out of disk
/// space`, Aria's and MyISAM's `Disk full`, the binary log's `Disk is full`, the C library's
/// `No space left on device`). MariaDB 10.11's lines, as captured on full filesystems, are the
/// tests' fixtures (GaleraTests.DiskFullLogTests).
public enum DiskFullLog {
    public static func saysDiskFull(_ line: some StringProtocol) -> Bool {
        let lower = line.lowercased()
        let words = ["no space left on device", "disk full", "disk is full", "out of disk space"]
        if words.contains(where: lower.contains) { return true }
        return carriesCode(28, in: lower)
    }

    /// An error number `code` after one of the ways mysqld introduces one: `errcode: 28`,
    /// `errno: 28`, `error number 28`, `error 28`, not followed by another digit (128 is no 28).
    static func carriesCode(_ code: Int, in lower: String) -> Bool {
        // Every line of the error log passes here: most carry no such number at all.
        let number = String(code)
        guard lower.contains(number) else { return false }
        let text = Array(lower.utf8)
        let digits = Array(number.utf8)
        let introductions = ["errcode", "errno", "error number", "error"].map { Array($0.utf8) }
        var index = 0
        while index + digits.count <= text.count {
            defer { index += 1 }
            guard text[index..<index + digits.count].elementsEqual(digits) else { continue }
            let after = index + digits.count
            if after < text.count, (48...57).contains(text[after]) { continue }
            if index > 0, (48...57).contains(text[index - 1]) { continue }
            // Back over the separator (": ", " ", ":") to the word before it.
            var start = index
            while start > 0, text[start - 1] == 0x20 || text[start - 1] == 0x3a { start -= 1 }
            guard start < index else { continue }
            if introductions.contains(where: { word in start >= word.count && text[start - word.count..<start].elementsEqual(word) }) {
                return true
            }
        }
        return false
    }
}
