# Bash completion for mosh-rs: mosh, mosh-client, mosh-server and mosh-rs.
# Works on its own (bash-completion's helpers are used only if loaded).
# Install as .../bash-completion/completions/mosh (and links named
# mosh-client, mosh-server, mosh-rs), or source it from ~/.bashrc.

_mosh_rs_mosh_options='--client= --server= --install-server --force --predict= -a -n
  -o --predict-overwrite --no-predict-overwrite --family= -4 -6 -p --port=
  --bind-server= --ssh= --ssh-pty --no-ssh-pty --init --no-init --no-scrollback --local
  --experimental-remote-ip= -v --verbose --attach --transport= --help --version'
_mosh_rs_server_options='-s -v -i -p -c -b -l -- --help --version'
_mosh_rs_client_options='-# -v -c --help --version'
_mosh_rs_subcommands='mosh client server emulate --help --version'
_mosh_rs_emulate_options='--cols --rows --ansi --help'

# Sets COMPREPLY to the words of $1 that start with $2.
_mosh_rs_offer() {
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

# Host names from ~/.ssh/config and ~/.ssh/known_hosts (and /etc/hosts),
# for the [user@]host argument.
_mosh_rs_hosts() {
    local cur=$1 user= hosts
    if [[ $cur == *@* ]]; then
        user=${cur%%@*}@
        cur=${cur#*@}
    fi
    hosts=$(
        {
            [[ -r ~/.ssh/config ]] &&
                awk 'tolower($1) == "host" { for (i = 2; i <= NF; i++) print $i }' ~/.ssh/config
            [[ -r ~/.ssh/known_hosts ]] &&
                awk '$1 !~ /^[|#@]/ { n = split($1, h, ","); for (i = 1; i <= n; i++) print h[i] }' \
                    ~/.ssh/known_hosts | sed -e 's/^\[\([^]]*\)\]:.*/\1/'
        } 2>/dev/null | grep -v '[*?!]'
    )
    local IFS=$'\n'
    COMPREPLY=($(compgen -P "$user" -W "$hosts" -- "$cur") $(compgen -P "$user" -A hostname -- "$cur"))
}

# Completes the value of option $1 (for mosh) given the text $2.
_mosh_rs_mosh_value() {
    case $1 in
        --predict) _mosh_rs_offer 'adaptive always never experimental' "$2" ;;
        --family) _mosh_rs_offer 'inet inet6 auto all prefer-inet prefer-inet6' "$2" ;;
        --bind-server) _mosh_rs_offer 'ssh any' "$2" ;;
        --experimental-remote-ip) _mosh_rs_offer 'proxy local remote' "$2" ;;
        --transport) _mosh_rs_offer 'auto udp ssh' "$2" ;;
        --client | --server | --ssh) COMPREPLY=($(compgen -c -- "$2") $(compgen -f -- "$2")) ;;
        *) COMPREPLY=() ;;
    esac
}

# mosh [options] [--] [user@]host [command...]; words are $1.. up to the
# cursor's word, which is last.
_mosh_rs_mosh() {
    local words=("$@") cword=$(($# - 1))
    local cur=${words[cword]} prev= i operands=0
    ((cword > 0)) && prev=${words[cword - 1]}
    # Bash splits "--opt=value" at "=" into three words.
    if [[ $prev == = && cword -ge 2 ]]; then
        _mosh_rs_mosh_value "${words[cword - 2]}" "$cur"
        return
    fi
    if [[ $cur == = ]]; then
        _mosh_rs_mosh_value "$prev" ''
        return
    fi
    if [[ $cur == --*=* ]]; then
        _mosh_rs_mosh_value "${cur%%=*}" "${cur#*=}"
        COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
        return
    fi
    case $prev in
        -p | :) return ;;
        --client | --server | --ssh | --port | --predict | --family | --bind-server | --experimental-remote-ip | --transport)
            _mosh_rs_mosh_value "$prev" "$cur"
            return
            ;;
    esac
    # Walk the words before the cursor: once the host has gone by, the
    # rest is the remote command.
    local value_next=0 after_dashes=0 w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if ((value_next)); then
            value_next=0
            continue
        fi
        case $w in
            = | : | -p) value_next=1 ;;
            --client | --server | --ssh | --port | --predict | --family | --bind-server | --experimental-remote-ip | --transport)
                [[ ${words[i + 1]} != = ]] && value_next=1
                ;;
            --) ((after_dashes)) && operands=1 || after_dashes=1 ;;
            -*) ((after_dashes)) && operands=1 ;;
            *) operands=1 ;;
        esac
        ((operands)) && break
    done
    if ((operands)); then
        # After the host: the remote command, completed as a local one.
        COMPREPLY=($(compgen -c -- "$cur"))
        return
    fi
    if ((after_dashes)); then
        _mosh_rs_hosts "$cur"
        return
    fi
    if [[ $cur == -* ]]; then
        _mosh_rs_offer "$_mosh_rs_mosh_options" "$cur"
        [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    _mosh_rs_hosts "$cur"
}

# Session ids from `mosh-server list` (the command that runs the server
# is in _mosh_rs_server_command).
_mosh_rs_session_ids() {
    "${_mosh_rs_server_command[@]}" list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

# mosh-server new [options] [-- command...] | attach [ID] | list [--json]
# | kill ID... | kill --detached [--older-than DURATION]
_mosh_rs_server() {
    local words=("$@") cword=$(($# - 1)) i
    local cur=${words[cword]} prev=${words[cword - 1]}
    if ((cword == 1)); then
        _mosh_rs_offer 'new attach list kill --help --version' "$cur"
        return
    fi
    case ${words[1]} in
        list)
            _mosh_rs_offer '--json' "$cur"
            return
            ;;
        attach)
            ((cword == 2)) && _mosh_rs_offer "$(_mosh_rs_session_ids)" "$cur"
            return
            ;;
        kill)
            case $prev in
                --older-than) _mosh_rs_offer '90s 15m 2h 7d' "$cur" ;;
                *) _mosh_rs_offer "--detached --older-than $(_mosh_rs_session_ids)" "$cur" ;;
            esac
            return
            ;;
    esac
    for ((i = 2; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            COMPREPLY=($(compgen -c -- "$cur"))
            return
        fi
    done
    case $prev in
        -c) _mosh_rs_offer '8 256' "$cur" ;;
        -l) _mosh_rs_offer "LANG=${LANG:-C.UTF-8} LC_ALL=${LC_ALL:-C.UTF-8} LC_CTYPE=${LC_CTYPE:-C.UTF-8}" "$cur" ;;
        -i | -p) COMPREPLY=() ;;
        *) [[ ${words[1]} == new ]] && _mosh_rs_offer "$_mosh_rs_server_options" "$cur" ;;
    esac
}

# mosh-client [-# ARGS] [-v] HOST_IP PORT | mosh-client -c
_mosh_rs_client() {
    local cur=${!#}
    [[ $cur == -* ]] && _mosh_rs_offer "$_mosh_rs_client_options" "$cur"
}

# mosh-rs emulate [--cols N] [--rows N] [--ansi]
_mosh_rs_emulate() {
    local cur=${!#}
    [[ $cur == -* ]] && _mosh_rs_offer "$_mosh_rs_emulate_options" "$cur"
}

# Entry point for every name; picks the mode like the binary does.
_mosh_rs_complete() {
    COMPREPLY=()
    local words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
    local mode=${words[0]##*/}
    _mosh_rs_server_command=("${words[0]}")
    if [[ $mode == mosh-rs ]]; then
        _mosh_rs_server_command=("${words[0]}" server)
        if ((COMP_CWORD == 1)); then
            _mosh_rs_offer "$_mosh_rs_subcommands" "${words[1]}"
            return
        fi
        mode=${words[1]}
        words=("${words[@]:1}")
    fi
    case $mode in
        mosh | bootstrap) _mosh_rs_mosh "${words[@]}" ;;
        mosh-server | server) _mosh_rs_server "${words[@]}" ;;
        mosh-client | client) _mosh_rs_client "${words[@]}" ;;
        emulate) _mosh_rs_emulate "${words[@]}" ;;
    esac
}

complete -F _mosh_rs_complete mosh mosh-client mosh-server mosh-rs
