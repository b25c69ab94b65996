// KubeServer module
