import Testing
import Galera

/// mysqld's ways of saying its disk is full, as MariaDB 10.11 writes them.
@Suite("disk-full log lines")
struct DiskFullLogTests {
    @Test(arguments: [
        "2026-11-29 18:01:02 0 [ERROR] InnoDB: Write to file ./ibdata1 failed at offset 12582912, 1048576 bytes should have been written, only 0 were written. Operating system error number 28.",
        "2026-11-29 18:01:02 0 [ERROR] InnoDB: Error number 28 means 'No space left on device'",
        "2026-11-29 18:01:02 5 [Warning] mariadbd: Disk full (./qmysql_test/writes.MAI); waiting for someone to free some space... (errno: 28 \"No space left on device\")",
        "2026-11-29 18:01:02 0 [ERROR] mariadbd: Error writing file 'mysql-bin' (Errcode: 28 \"No space left on device\")",
    ])
    func recognised(_ line: String) {
        #expect(DiskFullLog.saysDiskFull(line))
    }

    @Test(arguments: [
        "2026-11-29 18:01:02 0 [Note] WSREP: Shifting JOINED -> SYNCED (TO: 8)",
        "2026-11-29 18:01:02 0 [Note] InnoDB: Buffer pool(s) load completed at 261129 18:01:02",
        "2026-11-29 18:01:02 0 [ERROR] mariadbd: Got error 128 when reading table",
    ])
    func notRecognised(_ line: String) {
        #expect(!DiskFullLog.saysDiskFull(line))
    }
}
