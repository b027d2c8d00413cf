# bash completion for mcp-report. tests/e2e/test_commands.py checks it against
# the commands and options the built binary's --help lists.
_mcp_report() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
  }
  local commands="start progress complete error run import flush health validate-key status list show requeue delete cleanup config proxy"
  local globals="-c --config --spool --mcp-id -v --verbose -q --quiet --version -h --help"
  case $prev in
    -c|--config|import|--rejects|--data) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --spool) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --state) COMPREPLY=($(compgen -W "queue dead corrupt all" -- "$cur")); return ;;
  esac
  local cmd="" w
  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case " $commands " in *" $w "*) cmd=$w; break ;; esac
  done
  local opts
  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands $globals" -- "$cur")); return ;;
    start) opts="--id --print-traceparent --data" ;;
    progress|complete|error) opts="--data" ;;
    run) opts="--id --strict --data --" ;;
    import) opts="--rejects" ;;
    flush) opts="--max-events --max-time --splay --dry-run --wait --json --follow" ;;
    status) opts="--json --prometheus" ;;
    list) opts="--state --json" ;;
    requeue) opts="--all" ;;
    delete) opts="--state" ;;
    proxy) opts="--methods --capture --listen --upstream --" ;;
  esac
  COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}
complete -F _mcp_report mcp-report
