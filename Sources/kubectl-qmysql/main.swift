import CLI

await QMySQL.runAsRoot()
