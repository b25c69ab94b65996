// LocalCluster module
