import Foundation
import Processes
import Testing

/// The one reader of /proc/PID/stat (the agent's process trees, the playground's sessions).
@Suite struct ProcessStatTests {
    @Test func aCommandWithSpacesAndParenthesesDoesNotShiftTheFields() throws {
        let line = "4242 (sst (a) b) S 17 4240 4200 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2 3\n"
        let stat = try #require(ProcessStat(parsing: line, pid: 4242))
        #expect(stat.command == "sst (a) b")
        #expect(stat.state == "S" && !stat.isZombie)
        #expect(stat.parent == 17 && stat.group == 4240 && stat.session == 4200)
        #expect(stat.startTime == 987654)
        #expect(ProcessStat(parsing: "4242 (cut short) S 17", pid: 4242) == nil)
    }

    @Test func thisProcessIsReadAndFoundAmongAll() throws {
        let mine = try #require(ProcessStat.read(getpid()))
        #expect(mine.parent == getppid() && mine.group == getpgrp() && !mine.isZombie)
        #expect(ProcessStat.all().contains { $0.pid == getpid() && $0.startTime == mine.startTime })
    }
}
