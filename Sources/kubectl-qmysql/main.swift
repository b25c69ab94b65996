import CLI

await QMySQL.runAndExit()
