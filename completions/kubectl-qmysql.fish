function __kubectl-qmysql_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kubectl-qmysql_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kubectl-qmysql_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kubectl-qmysql_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kubectl-qmysql_parse_tokens -S
    set -l unparsed_tokens (__kubectl-qmysql_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kubectl-qmysql'
        __kubectl-qmysql_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'install'
            __kubectl-qmysql_parse_subcommand 0 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'operator' 'image=' 'watch-namespace=+' 'replicas=' 'log-level=' 'dry-run' 'o/output=' 'timeout=' 'version' 'h/help'
        case 'create'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'replicas=' 'flavor=' 'state-transfer=' 'replication-tls=' 'require-secure-transport' 'version=' 'image=' 'storage=' 'storage-class=' 'backup-time=' 'reserved-days=' 'from-backup=' 'from-cluster=' 'f=' 'dry-run' 'wait' 'timeout=' 'o/output=' 'version' 'h/help'
        case 'get'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'A/all-namespaces' 'l/selector=' 'o/output=' 'version' 'h/help'
        case 'status'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'o/output=' 'version' 'h/help'
        case 'delete'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'y/yes' 'o/output=' 'version' 'h/help'
        case 'backup'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'wait' 'timeout=' 'o/output=' 'version' 'h/help'
        case 'backups'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'o/output=' 'version' 'h/help'
        case 'restore'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'wait' 'timeout=' 'from=' 'i/interactive' 'resume' 'cancel' 'source-cluster=' 'skip-safety-backup' 'bootstrap-node=' 'approval=' 'y/yes' 'o/output=' 'version' 'h/help'
        case 'data'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'cluster=' 'A/all-namespaces' 'wait' 'o/output=' 'version' 'h/help'
        case 'mysql'
            __kubectl-qmysql_parse_subcommand -r 2 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'node=' 'version' 'h/help'
        case 'credential'
            __kubectl-qmysql_parse_subcommand 1 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'user=' 'o/output=' 'ca-file=' 'version' 'h/help'
        case 'playground'
            __kubectl-qmysql_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'up'
                __kubectl-qmysql_parse_subcommand 0 'dir=' 'no-demo' 'api-port=' 'timeout=' 'version' 'h/help'
            case 'status'
                __kubectl-qmysql_parse_subcommand 0 'dir=' 'o/output=' 'version' 'h/help'
            case 'down'
                __kubectl-qmysql_parse_subcommand 0 'dir=' 'purge' 'timeout=' 'version' 'h/help'
            end
        case 'version'
            __kubectl-qmysql_parse_subcommand 0 'kubeconfig=' 'context=' 'n/namespace=' 'request-timeout=' 'client' 'o/output=' 'version' 'h/help'
        case 'agent'
            __kubectl-qmysql_parse_subcommand 0 'node-name=' 'cluster-name=' 'data-dir=' 'address=' 'peers=' 'peers-file=' 'flavor=' 'run-dir=' 'mysql-port=' 'galera-port=' 'ist-port=' 'sst-port=' 'listen-address=' 'listen-port=' 'token-file=' 'controller-url=' 'heartbeat-interval=' 'poll-interval=' 'start=' 'server-binary=' 'provider=' 'buffer-pool-size=' 'gcache-size=' 'state-transfer=' 'replication-tls=' 'require-secure-transport' 'no-pc-recovery' 'monitor-user=' 'monitor-password-file=' 'root-password-file=' 'controller-user=' 'controller-password-file=' 'stop-timeout=' 'helper-timeout=' 'log-max-bytes=' 'log-archives=' 'log-level=' 'log-format=' 'config-file=' 'tls-cert-file=' 'tls-key-file=' 'ca-file=' 'token=' 'version' 'h/help'
        case 'controller'
            __kubectl-qmysql_parse_subcommand 0 'cluster=' 'node=+' 'agent-token-file=' 'monitor-user=' 'monitor-password-file=' 'replicas=' 'auto-recovery' 'no-auto-recovery' 'paused' 'formed-uuid=' 'state-file=' 'listen=' 'probe-interval=' 'probe-timeout=' 'stale-after=' 'step-deadline=' 'agent-start-timeout=' 'log-level=' 'log-format=' 'tls-cert-file=' 'tls-key-file=' 'ca-file=' 'backup-dir=' 'backup-time=' 'backup-time-zone=' 'reserved-days=' 'restore-from=' 'restore-from-dir=' 'version' 'h/help'
        case 'operator'
            __kubectl-qmysql_parse_subcommand 0 'kubeconfig=' 'context=' 'watch-namespace=+' 'lease-namespace=' 'identity=' 'image=' 'workers=' 'resync-interval=' 'controller-unavailable-after=' 'controller-url-template=' 'listen=' 'log-level=' 'log-format=' 'version' 'h/help'
        case 'completion'
            __kubectl-qmysql_parse_subcommand 1 'version' 'h/help'
        case 'help'
            __kubectl-qmysql_parse_subcommand -r 1 'version'
        end
    end
end

function __kubectl-qmysql_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kubectl-qmysql_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __kubectl-qmysql_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kubectl-qmysql_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kubectl-qmysql_tokens -p)
    if test -z "$(__kubectl-qmysql_tokens -t)"
        set -l index (count (__kubectl-qmysql_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kubectl-qmysql' -f
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'install' -d 'Install or update the CRDs, and with --operator the operator itself (without Helm).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'create' -d 'Create a QiniuMySQL cluster.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'get' -d 'List QiniuMySQL clusters, or show one.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'status' -d 'Show a cluster\'s state, nodes, conditions, endpoint, last backup and recent events.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'delete' -d 'Delete a QiniuMySQL cluster.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'backup' -d 'Take a hot backup of a cluster now.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'backups' -d 'List a cluster\'s backups.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'restore' -d 'Restore a cluster from a backup, at once or step by step with the wizard.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'data' -d 'List backup and restore tasks, or show one with its steps.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'mysql' -d 'Run the mariadb (or mysql) client on a node of a cluster.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'credential' -d 'Print a database user\'s password, or a client my.cnf.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'playground' -d 'Run qmysql on this machine, without Kubernetes: API server, operator, real Galera nodes.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'version' -d 'Print the client version and, when reachable, the server\'s.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'agent' -d 'Supervise one Galera node\'s mysqld and serve its HTTP API.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'controller' -d 'Watch one Galera cluster, report its state, and repair the faults it knows.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'operator' -d 'Run the operator: turn QiniuMySQL objects into running, self-healing clusters.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'completion' -d 'Print a shell completion script (bash, zsh or fish).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" operator' -l 'operator' -d 'Also install the operator (namespace, RBAC, Deployment, metrics Service); its namespace is -n, default qmysql-system.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" image' -l 'image' -d 'With --operator: the qmysql image (default: this version\'s).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install"' -l 'watch-namespace' -d 'With --operator: a namespace whose clusters it manages; repeat for several (default: every namespace).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" replicas' -l 'replicas' -d 'With --operator: operator replicas (one leads, the others wait).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" log-level' -l 'log-level' -d 'With --operator: trace, debug, info, notice, warning, error or critical.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" dry-run' -l 'dry-run' -d 'Print the objects instead of applying them.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" o output' -l 'output' -s 'o' -d 'Output format: yaml or json (with --dry-run), or name.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" timeout' -l 'timeout' -d 'How long to wait for the CRDs to be served, like 30s.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql install" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" replicas' -l 'replicas' -d 'Number of Galera nodes: 1, 3, 5, 7 or 9.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" flavor' -l 'flavor' -d 'mariadb or percona.' -rfka 'mariadb percona'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" state-transfer' -l 'state-transfer' -d 'How a joining node receives a full copy: qmysql (ours, over TLS, no wait; the default for mariadb) or packaged (the distribution\'s SST script; the default for percona).' -rfka 'qmysql packaged'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" replication-tls' -l 'replication-tls' -d 'Galera\'s replication between the nodes: required (TLS with the cluster\'s own CA; the default), accepting (TLS and plain TCP) or off (plain TCP).' -rfka 'required accepting off'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" require-secure-transport' -l 'require-secure-transport' -d 'mysqld refuses TCP clients without TLS (`credential -o mycnf` gives them the CA).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" version' -l 'version' -d 'Database version.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" image' -l 'image' -d 'Database image (overrides the flavor\'s default).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" storage' -l 'storage' -d 'Data volume size of each node, like 10Gi.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" storage-class' -l 'storage-class' -d 'StorageClass of the data volumes.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" backup-time' -l 'backup-time' -d 'Times of day (UTC) for scheduled backups, like 01:01,13:01. Turns scheduled backups on.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" reserved-days' -l 'reserved-days' -d 'Delete backups older than this many days.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" from-backup' -l 'from-backup' -d 'Form the cluster from this backup instead of empty datadirs (an id from `kubectl qmysql backups`).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" from-cluster' -l 'from-cluster' -d 'The cluster whose backup --from-backup is (default: the new cluster\'s name).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" f' -s 'f' -d 'A QiniuMySQL manifest (YAML or JSON), or - for standard input.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" dry-run' -l 'dry-run' -d 'Validate and print the object without creating it.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" wait' -l 'wait' -d 'Wait until the cluster is Green, with progress on standard error.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" timeout' -l 'timeout' -d 'How long --wait waits, like 10m.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" o output' -l 'output' -s 'o' -d 'Output format: json, yaml or name.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" A all-namespaces' -s 'A' -l 'all-namespaces' -d 'List clusters of every namespace.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" l selector' -s 'l' -l 'selector' -d 'A label selector, like app=shop.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" o output' -l 'output' -s 'o' -d 'Output format: wide, json, yaml or name (a table when absent).' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" o output' -l 'output' -s 'o' -d 'Output format: json or yaml (a report when absent).' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" y yes' -s 'y' -l 'yes' -d 'Do not ask for confirmation.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" o output' -l 'output' -s 'o' -d 'Output format: name.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" wait' -l 'wait' -d 'Follow the task with progress until it ends.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" timeout' -l 'timeout' -d 'How long --wait waits, like 30m.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" o output' -l 'output' -s 'o' -d 'Output format: json, yaml or name.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" o output' -l 'output' -s 'o' -d 'Output format: json or yaml.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql backups" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" wait' -l 'wait' -d 'Follow the task with progress until it ends.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" timeout' -l 'timeout' -d 'How long --wait waits, like 30m.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" from' -l 'from' -d 'The backup to restore: an id from `kubectl qmysql backups`, or a finished backup task\'s name (the wizard asks when absent).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" i interactive' -s 'i' -l 'interactive' -d 'Walk the restore step by step, asking before each (the wizard).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" resume' -l 'resume' -d 'Reattach the wizard to this cluster\'s waiting restore.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" cancel' -l 'cancel' -d 'End this cluster\'s unfinished restore (after step 2 the cluster comes back from its own data).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" source-cluster' -l 'source-cluster' -d 'The cluster whose backup it is (default: NAME).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" skip-safety-backup' -l 'skip-safety-backup' -d 'Skip step 1, the backup of the current state (it is the way back).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" bootstrap-node' -l 'bootstrap-node' -d 'The node to restore on and bootstrap (chosen by the controller\'s rule when absent).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" approval' -l 'approval' -d 'Auto runs every step; Step waits for approval before each.' -rfka 'Auto Step'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" y yes' -s 'y' -l 'yes' -d 'Do not ask for confirmation (the wizard: run every step without asking).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" o output' -l 'output' -s 'o' -d 'Output format: json, yaml or name.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql restore" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" cluster' -l 'cluster' -d 'Only the tasks of this cluster.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" A all-namespaces' -s 'A' -l 'all-namespaces' -d 'List tasks of every namespace.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" wait' -l 'wait' -d 'With a task name: follow it with progress until it ends.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" o output' -l 'output' -s 'o' -d 'Output format: wide, json, yaml or name (a table when absent).' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql data" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" node' -l 'node' -d 'The node\'s ordinal (0, 1, ...). Default: the first ready node.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql mysql" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" user' -l 'user' -d 'Whose credential: root or monitor.' -rfka 'root monitor'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" o output' -l 'output' -s 'o' -d 'password (the password alone) or mycnf (a [client] section for the cluster\'s Service, over TLS).' -rfka 'password mycnf'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" ca-file' -l 'ca-file' -d 'Where -o mycnf writes the cluster\'s CA (default: ~/.kube/cache/qmysql/NAMESPACE/NAME/ca.crt).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql credential" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql playground" -eq 1' -fa 'up' -d 'Start the playground (or what of it is missing) and a Green demo cluster.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql playground" -eq 1' -fa 'status' -d 'Show what the playground runs: processes, addresses, the kubeconfig, each cluster\'s state and endpoint.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql playground" -eq 1' -fa 'down' -d 'Stop the playground: operator, controllers, then every node gracefully; --purge also deletes its data.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" dir' -l 'dir' -d 'The playground\'s directory (default: $QMYSQL_PLAYGROUND_DIR, else /var/lib/qmysql/playground for root and ~/.local/share/qmysql/playground for anyone else).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" no-demo' -l 'no-demo' -d 'Do not create the demo cluster.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" api-port' -l 'api-port' -d 'The API server\'s port on 127.0.0.1 for a new playground (default: a free one; kept afterwards).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" timeout' -l 'timeout' -d 'Seconds to wait for the demo cluster to be Green.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground up" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground status" dir' -l 'dir' -d 'The playground\'s directory (default: $QMYSQL_PLAYGROUND_DIR, else /var/lib/qmysql/playground for root and ~/.local/share/qmysql/playground for anyone else).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground status" o output' -l 'output' -s 'o' -d 'json or yaml for the data; default: a report.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground status" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground down" dir' -l 'dir' -d 'The playground\'s directory (default: $QMYSQL_PLAYGROUND_DIR, else /var/lib/qmysql/playground for root and ~/.local/share/qmysql/playground for anyone else).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground down" purge' -l 'purge' -d 'Also delete the playground\'s directory: every cluster and its data.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground down" timeout' -l 'timeout' -d 'Seconds to wait for a graceful stop before processes are killed.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground down" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql playground down" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: the context\'s, else "default").' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" request-timeout' -l 'request-timeout' -d 'How long to wait for one API request, like 30s, 1m or 0 (no limit).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" client' -l 'client' -d 'Only the client version; do not contact the server.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" o output' -l 'output' -s 'o' -d 'Output format: json or yaml.' -rfka 'table wide json yaml name'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" node-name' -l 'node-name' -d 'This node\'s name (wsrep_node_name), e.g. demo-0. Letters, digits, \'-\', \'_\' and \'.\'.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" cluster-name' -l 'cluster-name' -d 'The cluster\'s name (wsrep_cluster_name); every node of a cluster must use the same.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" data-dir' -l 'data-dir' -d 'mysqld\'s datadir (absolute). The error log and wsrep-recover log live here too.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" address' -l 'address' -d 'The node\'s own address: mysqld, Galera replication, IST and SST all bind to it.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" peers' -l 'peers' -d 'Every member\'s Galera address, this node included, comma-separated: host or host:port (port defaults to --galera-port). Needed unless --peers-file gives them.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" peers-file' -l 'peers-file' -d 'A file listing the peers (one a line, or comma-separated), read at every mysqld start; a cluster\'s ConfigMap, so a scale changes no pod template.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" flavor' -l 'flavor' -d 'The Galera distribution: mariadb or percona.' -rfka 'mariadb percona'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" run-dir' -l 'run-dir' -d 'Directory for my.cnf, the socket, the pid file and tmpdir (absolute). Default: <data-dir>-run.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" mysql-port' -l 'mysql-port' -d 'mysqld\'s client port.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" galera-port' -l 'galera-port' -d 'Galera replication port (gmcast.listen_addr).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" ist-port' -l 'ist-port' -d 'IST receive port (ist.recv_addr).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" sst-port' -l 'sst-port' -d 'SST receive port (wsrep_sst_receive_address).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" listen-address' -l 'listen-address' -d 'Address the agent\'s HTTP API listens on. Default: --address.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" listen-port' -l 'listen-port' -d 'Port of the agent\'s HTTP API.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" token-file' -l 'token-file' -d 'File holding the API bearer token (surrounding whitespace is ignored).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" controller-url' -l 'controller-url' -d 'Controller URL to POST status reports to (at once on every change, and as a heartbeat), e.g. http://127.0.0.1:9810/v1/reports/demo-1.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" heartbeat-interval' -l 'heartbeat-interval' -d 'Seconds between heartbeat reports to the controller.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" poll-interval' -l 'poll-interval' -d 'Seconds between reads of mysqld\'s wsrep status.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" start' -l 'start' -d 'Start mysqld when the agent starts: none (wait for the API), join or bootstrap.' -rfka 'none join bootstrap'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" server-binary' -l 'server-binary' -d 'The server binary. Default: the flavor\'s (mariadbd or mysqld) from PATH.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" provider' -l 'provider' -d 'The Galera provider library. Default: the flavor\'s packaged path.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" buffer-pool-size' -l 'buffer-pool-size' -d 'innodb_buffer_pool_size.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" gcache-size' -l 'gcache-size' -d 'Galera gcache.size: how much history a donor keeps for IST.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" state-transfer' -l 'state-transfer' -d 'How a joiner receives a full copy: qmysql (our method: a compressed hot backup sent as soon as the joiner listens) or packaged (the distribution\'s SST script).' -rfka 'qmysql packaged'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" replication-tls' -l 'replication-tls' -d 'Galera\'s replication and IST over TLS with --tls-cert-file, --tls-key-file and --ca-file: required, accepting (TLS and plain TCP, the middle of a rolling change) or off (plain TCP).' -rfka 'required accepting off'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" require-secure-transport' -l 'require-secure-transport' -d 'mysqld refuses TCP clients without TLS (require_secure_transport; the unix socket is still allowed). Needs --tls-cert-file, --tls-key-file and --ca-file.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" no-pc-recovery' -l 'no-pc-recovery' -d 'Turn off pc.recovery (a node that lost every peer then stays down until bootstrapped).'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" monitor-user' -l 'monitor-user' -d 'MySQL account the agent reads status with over the unix socket. Default: the flavor\'s socket account for the OS user (MariaDB: that user; Percona: root).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" monitor-password-file' -l 'monitor-password-file' -d 'File with the monitor account\'s password; none: unix_socket authentication.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" root-password-file' -l 'root-password-file' -d 'Keep root@\'%\' at the password in this file once the node is Synced (the cluster\'s Secret).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" controller-user' -l 'controller-user' -d 'The controller\'s probe account, kept at --controller-password-file once the node is Synced.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" controller-password-file' -l 'controller-password-file' -d 'File with the controller account\'s password.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" stop-timeout' -l 'stop-timeout' -d 'Default seconds a graceful stop waits for mysqld to exit (keep it below the controller\'s --step-deadline).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" helper-timeout' -l 'helper-timeout' -d 'Seconds each mysqld helper run may take: --wsrep-recover and datadir initialisation (keep it below the controller\'s --step-deadline).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" log-max-bytes' -l 'log-max-bytes' -d 'Rotate mysqld\'s error log above this many bytes.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" log-archives' -l 'log-archives' -d 'Rotated error logs to keep.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" log-level' -l 'log-level' -d 'Agent log level: trace, debug, info, notice, warning, error or critical.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" log-format' -l 'log-format' -d 'Log lines as text or json (one object a line, for log pipelines).' -rfka 'text json'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" config-file' -l 'config-file' -d 'A my.cnf with extra server settings, included after the agent\'s own (the operator\'s ConfigMap).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" tls-cert-file' -l 'tls-cert-file' -d 'Serve the API over HTTPS with this certificate chain (PEM); needs --tls-key-file.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" tls-key-file' -l 'tls-key-file' -d 'The private key (PEM) of --tls-cert-file.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" ca-file' -l 'ca-file' -d 'The CA (PEM) that an https --controller-url\'s certificate must chain to.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" token' -l 'token' -d 'The API bearer token. Prefer --token-file or QMYSQL_AGENT_TOKEN: arguments are visible in ps.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql agent" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" cluster' -l 'cluster' -d 'The cluster\'s name (the QiniuMySQL\'s name); agents report with the same name.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller"' -l 'node' -d 'A node, once per node in ordinal order: NAME=AGENT_URL,SQL_HOST:SQL_PORT. None: wait for the desired state (PUT /v1/spec).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" agent-token-file' -l 'agent-token-file' -d 'A file holding the bearer token of the agents\' API (also required on pushed reports).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" monitor-user' -l 'monitor-user' -d 'The MySQL user the controller probes mysqld with (needs only USAGE: SHOW GLOBAL STATUS).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" monitor-password-file' -l 'monitor-password-file' -d 'A file holding the monitor user\'s password; omit for a user without password.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" replicas' -l 'replicas' -d 'How many Synced nodes make the cluster Green (default: the number of nodes).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" auto-recovery' -l 'auto-recovery' -d 'Repair known faults automatically; with --no-auto-recovery the controller only observes and reports.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" no-auto-recovery' -l 'no-auto-recovery' -d 'Repair known faults automatically; with --no-auto-recovery the controller only observes and reports.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" paused' -l 'paused' -d 'The cluster is paused: stop its nodes gracefully one at a time (data kept), then observe and report.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" formed-uuid' -l 'formed-uuid' -d 'The cluster\'s Galera UUID if it was formed before (the operator passes the QiniuMySQL\'s status.clusterUUID). Then empty datadirs everywhere are lost data, never a new cluster.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" state-file' -l 'state-file' -d 'A file where the controller records the cluster\'s UUID once formed, its members and its last desired state, and reads them back after a restart.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" listen' -l 'listen' -d 'Where the controller\'s HTTP endpoints listen, HOST:PORT (loopback unless in a pod).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" probe-interval' -l 'probe-interval' -d 'Seconds between two probe rounds.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" probe-timeout' -l 'probe-timeout' -d 'Seconds each probe (SQL or agent) may take.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" stale-after' -l 'stale-after' -d 'Seconds without any report or successful probe after which a node is Unknown.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" step-deadline' -l 'step-deadline' -d 'Seconds one recovery step may take (a join may need a full SST).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" agent-start-timeout' -l 'agent-start-timeout' -d 'Seconds a node\'s agent may take to answer for the first time (image pull, volume attach) before a restore that needs it gives up.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error or critical.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" log-format' -l 'log-format' -d 'Log lines as text or json (one object a line, for log pipelines).' -rfka 'text json'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" tls-cert-file' -l 'tls-cert-file' -d 'Serve the endpoints over HTTPS with this certificate chain (PEM); needs --tls-key-file.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" tls-key-file' -l 'tls-key-file' -d 'The private key (PEM) of --tls-cert-file.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" ca-file' -l 'ca-file' -d 'The CA (PEM) that https agent URLs\' certificates must chain to.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" backup-dir' -l 'backup-dir' -d 'The backup store: a directory holding CLUSTER/ID/ backups (a volume only the controller mounts). Without it backups are refused.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" backup-time' -l 'backup-time' -d 'Scheduled backups at these times of day, HH:MM[,HH:MM...] (needs --backup-dir).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" backup-time-zone' -l 'backup-time-zone' -d 'The time zone of --backup-time, e.g. Asia/Shanghai (default UTC).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" reserved-days' -l 'reserved-days' -d 'Days a backup is kept once a newer one succeeded (the newest is always kept; default 7).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" restore-from' -l 'restore-from' -d 'Form the never-formed cluster from this backup, CLUSTER/ID, instead of empty datadirs (needs --backup-dir).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" restore-from-dir' -l 'restore-from-dir' -d 'The store holding --restore-from\'s backup when it is not --backup-dir (another cluster\'s, mounted read-only).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql controller" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" context' -l 'context' -d 'The kubeconfig context to use.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator"' -l 'watch-namespace' -d 'A namespace to watch; repeat for several. Default: all namespaces.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" lease-namespace' -l 'lease-namespace' -d 'Namespace of the leader Lease (default: the pod\'s namespace, else the context\'s).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" identity' -l 'identity' -d 'This replica\'s identity in the Lease (default: $POD_NAME, else the host name).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" image' -l 'image' -d 'The qmysql image the controllers and the agents\' init containers run.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" workers' -l 'workers' -d 'Concurrent reconciles (one cluster is never reconciled twice at once).' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" resync-interval' -l 'resync-interval' -d 'Seconds between full resyncs of every cluster.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" controller-unavailable-after' -l 'controller-unavailable-after' -d 'Seconds a controller may stay silent before it is declared unavailable and replaced.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" controller-url-template' -l 'controller-url-template' -d 'Where each cluster\'s controller answers, with {name} and {namespace} filled in. Default: its Service, https://{name}-controller.{namespace}.svc:9810 (in a cluster). Outside a cluster, point it at a reachable address.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" listen' -l 'listen' -d 'Where /healthz, /readyz and /metrics listen, HOST:PORT.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error or critical.' -rfka ''
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" log-format' -l 'log-format' -d 'Log lines as text or json (one object a line, for log pipelines).' -rfka 'text json'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql operator" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_positional "kubectl-qmysql completion" -eq 1' -fka 'bash zsh fish'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql completion" version' -l 'version' -d 'Show the version.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql completion" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kubectl-qmysql' -n '__kubectl-qmysql_should_offer_completions_for_flags_or_options "kubectl-qmysql help" version' -l 'version' -d 'Show the version.'
