// MySQLClient module
