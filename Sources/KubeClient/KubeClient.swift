// KubeClient module
