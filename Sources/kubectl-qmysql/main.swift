import CLI
await QMySQL.main()
