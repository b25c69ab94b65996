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
        // MariaDB 10.11, captured on a full tmpfs: the datadir (InnoDB grows a tablespace, and a
        // rollback that cannot write), the binary logs (the server waits for space).
        "2026-12-05 22:33:04 51 [ERROR] InnoDB: preallocating 12582912 bytes for file ./t/f.ibd failed with error 28",
        "2026-12-05 18:40:11 0 [ERROR] InnoDB: preallocating 13631488 bytes for file ./qmysql_test/filler.ibd failed with error 28",
        "2026-12-05 18:40:12 0 [FATAL] InnoDB: Error (Out of disk space) in rollback.",
        "2026-12-05 22:33:09 79 [Warning] mariadbd: Disk is full writing '/tmp/df/bin/mysql-bin.000001' (Errcode: 28 \"No space left on device\"). Waiting for someone to free space... (Expect up to 60 secs delay for server to continue after freeing disk space)",
        "2026-12-05 22:43:52 79 [ERROR] mariadbd: Error writing file '/tmp/df/bin/mysql-bin' (errno: 28 \"No space left on device\")",
        // The code alone, worded otherwise.
        "2026-12-05 22:43:52 0 [ERROR] mariadbd: Error on write (errno: 28)",
    ])
    func recognised(_ line: String) {
        #expect(DiskFullLog.saysDiskFull(line))
    }

    @Test(arguments: [
        "2026-11-29 18:01:02 0 [Note] WSREP: Shifting JOINED -> SYNCED (TO: 8)",
        "2026-11-29 18:01:02 0 [Note] InnoDB: Buffer pool(s) load completed at 261129 18:01:02",
        "2026-11-29 18:01:02 0 [ERROR] mariadbd: Got error 128 when reading table",
        "2026-11-29 18:01:02 0 [ERROR] mariadbd: Got error 281 from storage engine",
        "2026-11-29 18:01:02 0 [Note] WSREP: Member 28 (demo-1) synced with group.",
        // A MEMORY table that reached max_heap_table_size is full, not its disk.
        "2026-12-05 22:33:04 51 [ERROR] mariadbd: The table 'f' is full",
    ])
    func notRecognised(_ line: String) {
        #expect(!DiskFullLog.saysDiskFull(line))
    }
}
