# bash completion for virtbusctl(1): commands, their options, and the names
# of the domains (networks, pools) of the service the command line talks to.
# virtbusctl computes the candidates itself (its hidden `__complete`
# command), so this file only hands it the words before the cursor and
# quotes what it offers: a name is anything but '/', so `a b`, `x;cmd` and
# `x$(cmd)` must land on the command line as one word, never as shell syntax.

# Splits $1 into words as the shell would (blanks, '...', "...", backslashes;
# no expansions), since bash's own split would cut --address=unix:path=/run/bus
# at every ':' and '='. Sets _vbc_words (unquoted; the last is the word at the
# cursor, maybe empty), _vbc_raw (that word as typed), _vbc_quote (the quote
# it leaves open, if any) and _vbc_before (its unquoted text before that quote).
_virtbusctl_split() {
    local line=$1 c word="" raw="" quote="" before="" in_word=0 i

    _vbc_words=()
    for ((i = 0; i < ${#line}; i++)); do
        c=${line:i:1}
        if [[ -z $quote && $c == [[:blank:]] ]]; then
            if ((in_word)); then
                _vbc_words+=("$word")
            fi
            word="" raw="" before="" in_word=0
            continue
        fi
        in_word=1
        raw+=$c
        if [[ $quote == "'" ]]; then
            if [[ $c == "'" ]]; then quote=""; else word+=$c; fi
        elif [[ $quote == '"' ]]; then
            if [[ $c == '"' ]]; then
                quote=""
            elif [[ $c == "\\" && ${line:i+1:1} == [\$\`\"\\] ]]; then
                ((i++))
                raw+=${line:i:1} word+=${line:i:1}
            else
                word+=$c
            fi
        elif [[ $c == "\\" ]]; then
            ((i++))
            raw+=${line:i:1} word+=${line:i:1}
        elif [[ $c == "'" || $c == '"' ]]; then
            quote=$c before=$word
        else
            word+=$c
        fi
    done
    _vbc_words+=("$word")
    _vbc_raw=$raw _vbc_quote=$quote _vbc_before=$before
}

# $1 as the rest of a word that readline inserts, in the quoting the person
# began: inside '...' or "..." (readline closes it), else with backslashes.
# Sets _vbc_quoted (no subshell: a list of a thousand names stays quick).
_virtbusctl_quote() {
    local text=$1

    if [[ -z $text ]]; then
        _vbc_quoted=""
        return
    fi
    case $_vbc_quote in
    "'") _vbc_quoted=${text//\'/\'\\\'\'} ;;
    '"')
        text=${text//\\/\\\\} text=${text//\$/\\\$}
        text=${text//\`/\\\`} text=${text//\"/\\\"}
        _vbc_quoted=$text
        ;;
    *) printf -v _vbc_quoted '%q' "$text" ;;
    esac
}

_virtbusctl() {
    local -a _vbc_words candidates
    local _vbc_raw _vbc_quote _vbc_before _vbc_quoted cur prefix candidate

    _virtbusctl_split "${COMP_LINE:0:COMP_POINT}"
    cur=${_vbc_words[${#_vbc_words[@]} - 1]}
    mapfile -t candidates < <("${_vbc_words[0]}" __complete -- "${_vbc_words[@]:1}" 2>/dev/null)
    COMPREPLY=()
    if [[ ${candidates[0]-} == @files ]]; then
        # File names: readline quotes them itself.
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
    fi
    # Readline replaces the word's text after an open quote, else its text
    # after the last unquoted ':' or '=' (the function's $2, as typed): what
    # comes before, unquoted, is where every candidate starts.
    if [[ -n $_vbc_quote ]]; then
        prefix=$_vbc_before
    elif [[ $_vbc_raw == *"$2" && ${#_vbc_raw} -gt ${#2} ]]; then
        prefix=$(
            _virtbusctl_split "${_vbc_raw:0:${#_vbc_raw}-${#2}}"
            printf '%s' "${_vbc_words[${#_vbc_words[@]} - 1]}"
        )
    fi
    for candidate in "${candidates[@]}"; do
        [[ $candidate == "$prefix"* ]] || continue
        _virtbusctl_quote "${candidate:${#prefix}}"
        COMPREPLY+=("$_vbc_quoted")
    done
}

complete -F _virtbusctl virtbusctl
