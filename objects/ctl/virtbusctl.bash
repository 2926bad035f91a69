# bash completion for virtbusctl(1): commands, their options, and the names
# of the domains (networks, pools) of the service the command line talks to.
# virtbusctl computes the candidates itself (its hidden `__complete`
# command), so this file only hands it the words before the cursor.

_virtbusctl() {
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    local candidates cur

    # Words split at blanks only: bash's own split would cut
    # --address=unix:path=/run/bus at every ':' and '='.
    read -ra words <<<"$line"
    if [[ $line =~ [[:blank:]]$ ]]; then
        words+=("")
    fi
    cur=${words[${#words[@]} - 1]}
    candidates=$("${words[0]}" __complete -- "${words[@]:1}" 2>/dev/null)
    if [[ $candidates == @files ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    else
        mapfile -t COMPREPLY <<<"$candidates"
        [[ -n $candidates ]] || COMPREPLY=()
    fi
}

complete -F _virtbusctl virtbusctl
