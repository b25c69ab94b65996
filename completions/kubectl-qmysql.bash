#!/bin/bash

__kubectl-qmysql_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__kubectl-qmysql_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__kubectl-qmysql_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__kubectl-qmysql_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_kubectl-qmysql() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __kubectl-qmysql_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    install|create|get|status|delete|backup|backups|restore|data|switchover|mysql|credential|playground|version|agent|controller|operator|completion|help)
        # Offer subcommand argument completions
        "_kubectl-qmysql_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'install create get status delete backup backups restore data switchover mysql credential playground version agent controller operator completion help' -- "${cur}"))
        ;;
    esac
}

_kubectl-qmysql_install() {
    repeating_flags=()
    non_repeating_flags=(--operator --dry-run --version -h --help)
    repeating_options=(--watch-namespace)
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --image --replicas --log-level --output -o --timeout)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--image')
        return
        ;;
    '--watch-namespace')
        return
        ;;
    '--replicas')
        return
        ;;
    '--log-level')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_kubectl-qmysql_create() {
    repeating_flags=()
    non_repeating_flags=(--require-secure-transport --dry-run --wait --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --replicas --flavor --state-transfer --replication-tls --version --image --storage --storage-class --backup-time --reserved-days --from-backup --from-cluster --from-namespace --s3-endpoint --s3-bucket --s3-credentials-secret --s3-prefix --s3-region --s3-addressing --s3-ca-secret -f --timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--replicas')
        return
        ;;
    '--flavor')
        __kubectl-qmysql_add_completions -W 'mariadb'$'\n''percona'
        return
        ;;
    '--state-transfer')
        __kubectl-qmysql_add_completions -W 'qmysql'$'\n''packaged'
        return
        ;;
    '--replication-tls')
        __kubectl-qmysql_add_completions -W 'required'$'\n''accepting'$'\n''off'
        return
        ;;
    '--version')
        return
        ;;
    '--image')
        return
        ;;
    '--storage')
        return
        ;;
    '--storage-class')
        return
        ;;
    '--backup-time')
        return
        ;;
    '--reserved-days')
        return
        ;;
    '--from-backup')
        return
        ;;
    '--from-cluster')
        return
        ;;
    '--from-namespace')
        return
        ;;
    '--s3-endpoint')
        return
        ;;
    '--s3-bucket')
        return
        ;;
    '--s3-credentials-secret')
        return
        ;;
    '--s3-prefix')
        return
        ;;
    '--s3-region')
        return
        ;;
    '--s3-addressing')
        __kubectl-qmysql_add_completions -W 'path'$'\n''virtualHost'
        return
        ;;
    '--s3-ca-secret')
        return
        ;;
    '-f')
        return
        ;;
    '--timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_get() {
    repeating_flags=()
    non_repeating_flags=(-A --all-namespaces --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout -l --selector --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '-l'|'--selector')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_status() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_delete() {
    repeating_flags=()
    non_repeating_flags=(-y --yes --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_backup() {
    repeating_flags=()
    non_repeating_flags=(--wait --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_backups() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_restore() {
    repeating_flags=()
    non_repeating_flags=(--wait -i --interactive --resume --cancel --skip-safety-backup -y --yes --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --timeout --from --source-cluster --bootstrap-node --to-time --to-gtid --approval --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--timeout')
        return
        ;;
    '--from')
        return
        ;;
    '--source-cluster')
        return
        ;;
    '--bootstrap-node')
        return
        ;;
    '--to-time')
        return
        ;;
    '--to-gtid')
        return
        ;;
    '--approval')
        __kubectl-qmysql_add_completions -W 'Auto'$'\n''Step'
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_data() {
    repeating_flags=()
    non_repeating_flags=(-A --all-namespaces --wait --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --cluster --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--cluster')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_switchover() {
    repeating_flags=()
    non_repeating_flags=(--clear --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --to --timeout --output -o)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--to')
        return
        ;;
    '--timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_mysql() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --node)
    __kubectl-qmysql_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--node')
        return
        ;;
    esac
}

_kubectl-qmysql_credential() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --user --output -o --ca-file)
    __kubectl-qmysql_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--user')
        __kubectl-qmysql_add_completions -W 'root'$'\n''monitor'
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'password'$'\n''mycnf'
        return
        ;;
    '--ca-file')
        return
        ;;
    esac
}

_kubectl-qmysql_playground() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kubectl-qmysql_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    up|status|down)
        # Offer subcommand argument completions
        "_kubectl-qmysql_playground_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'up status down' -- "${cur}"))
        ;;
    esac
}

_kubectl-qmysql_playground_up() {
    repeating_flags=()
    non_repeating_flags=(--no-demo --version -h --help)
    repeating_options=()
    non_repeating_options=(--dir --api-port --timeout)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        return
        ;;
    '--api-port')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_kubectl-qmysql_playground_status() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--dir --output -o)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_playground_down() {
    repeating_flags=()
    non_repeating_flags=(--purge --version -h --help)
    repeating_options=()
    non_repeating_options=(--dir --timeout)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_kubectl-qmysql_version() {
    repeating_flags=()
    non_repeating_flags=(--client --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace --request-timeout --output -o)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--output'|'-o')
        __kubectl-qmysql_add_completions -W 'table'$'\n''wide'$'\n''json'$'\n''yaml'$'\n''name'
        return
        ;;
    esac
}

_kubectl-qmysql_agent() {
    repeating_flags=()
    non_repeating_flags=(--require-secure-transport --no-pc-recovery --version -h --help)
    repeating_options=()
    non_repeating_options=(--node-name --cluster-name --data-dir --address --peers --peers-file --flavor --run-dir --mysql-port --galera-port --ist-port --sst-port --listen-address --listen-port --token-file --controller-url --heartbeat-interval --poll-interval --start --server-binary --provider --buffer-pool-size --gcache-size --state-transfer --replication-tls --monitor-user --monitor-password-file --root-password-file --controller-user --controller-password-file --stop-timeout --helper-timeout --binlog-retention --log-max-bytes --log-archives --log-level --log-format --config-file --tls-cert-file --tls-key-file --ca-file --token)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--node-name')
        return
        ;;
    '--cluster-name')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--address')
        return
        ;;
    '--peers')
        return
        ;;
    '--peers-file')
        return
        ;;
    '--flavor')
        __kubectl-qmysql_add_completions -W 'mariadb'$'\n''percona'
        return
        ;;
    '--run-dir')
        return
        ;;
    '--mysql-port')
        return
        ;;
    '--galera-port')
        return
        ;;
    '--ist-port')
        return
        ;;
    '--sst-port')
        return
        ;;
    '--listen-address')
        return
        ;;
    '--listen-port')
        return
        ;;
    '--token-file')
        return
        ;;
    '--controller-url')
        return
        ;;
    '--heartbeat-interval')
        return
        ;;
    '--poll-interval')
        return
        ;;
    '--start')
        __kubectl-qmysql_add_completions -W 'none'$'\n''join'$'\n''bootstrap'
        return
        ;;
    '--server-binary')
        return
        ;;
    '--provider')
        return
        ;;
    '--buffer-pool-size')
        return
        ;;
    '--gcache-size')
        return
        ;;
    '--state-transfer')
        __kubectl-qmysql_add_completions -W 'qmysql'$'\n''packaged'
        return
        ;;
    '--replication-tls')
        __kubectl-qmysql_add_completions -W 'required'$'\n''accepting'$'\n''off'
        return
        ;;
    '--monitor-user')
        return
        ;;
    '--monitor-password-file')
        return
        ;;
    '--root-password-file')
        return
        ;;
    '--controller-user')
        return
        ;;
    '--controller-password-file')
        return
        ;;
    '--stop-timeout')
        return
        ;;
    '--helper-timeout')
        return
        ;;
    '--binlog-retention')
        return
        ;;
    '--log-max-bytes')
        return
        ;;
    '--log-archives')
        return
        ;;
    '--log-level')
        return
        ;;
    '--log-format')
        __kubectl-qmysql_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--config-file')
        return
        ;;
    '--tls-cert-file')
        return
        ;;
    '--tls-key-file')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--token')
        return
        ;;
    esac
}

_kubectl-qmysql_controller() {
    repeating_flags=()
    non_repeating_flags=(--auto-recovery --no-auto-recovery --paused --version -h --help)
    repeating_options=(--node)
    non_repeating_options=(--cluster --agent-token-file --monitor-user --monitor-password-file --replicas --formed-uuid --state-file --listen --probe-interval --probe-timeout --stale-after --step-deadline --agent-start-timeout --log-level --log-format --tls-cert-file --tls-key-file --ca-file --backup-dir --backup-time --backup-time-zone --reserved-days --restore-from --restore-from-dir --backup-s3 --restore-from-s3)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--cluster')
        return
        ;;
    '--node')
        return
        ;;
    '--agent-token-file')
        return
        ;;
    '--monitor-user')
        return
        ;;
    '--monitor-password-file')
        return
        ;;
    '--replicas')
        return
        ;;
    '--formed-uuid')
        return
        ;;
    '--state-file')
        return
        ;;
    '--listen')
        return
        ;;
    '--probe-interval')
        return
        ;;
    '--probe-timeout')
        return
        ;;
    '--stale-after')
        return
        ;;
    '--step-deadline')
        return
        ;;
    '--agent-start-timeout')
        return
        ;;
    '--log-level')
        return
        ;;
    '--log-format')
        __kubectl-qmysql_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--tls-cert-file')
        return
        ;;
    '--tls-key-file')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--backup-dir')
        return
        ;;
    '--backup-time')
        return
        ;;
    '--backup-time-zone')
        return
        ;;
    '--reserved-days')
        return
        ;;
    '--restore-from')
        return
        ;;
    '--restore-from-dir')
        return
        ;;
    '--backup-s3')
        return
        ;;
    '--restore-from-s3')
        return
        ;;
    esac
}

_kubectl-qmysql_operator() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--watch-namespace)
    non_repeating_options=(--kubeconfig --context --lease-namespace --identity --image --workers --resync-interval --controller-unavailable-after --controller-url-template --listen --log-level --log-format)
    __kubectl-qmysql_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--watch-namespace')
        return
        ;;
    '--lease-namespace')
        return
        ;;
    '--identity')
        return
        ;;
    '--image')
        return
        ;;
    '--workers')
        return
        ;;
    '--resync-interval')
        return
        ;;
    '--controller-unavailable-after')
        return
        ;;
    '--controller-url-template')
        return
        ;;
    '--listen')
        return
        ;;
    '--log-level')
        return
        ;;
    '--log-format')
        __kubectl-qmysql_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_kubectl-qmysql_completion() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kubectl-qmysql_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kubectl-qmysql_add_completions -W 'bash'$'\n''zsh'$'\n''fish'
        return
        ;;
    esac
}

_kubectl-qmysql_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __kubectl-qmysql_offer_flags_options -1
}

complete -o filenames -F _kubectl-qmysql kubectl-qmysql
