// Galera module
