#!/usr/bin/env bash
# Stops one stack started by test/real/up.sh: only the PIDs listed in its state
# dir, in reverse start order (SIGTERM, then SIGKILL after 10 s), each checked to
# still be the binary it started (so a recycled PID is never signalled). Prints
# each component's peak RSS (VmHWM) and their sum, removes the etcd data and the
# credentials, and keeps logs/ for debugging.
#
#   bash test/real/down.sh <state-dir>
set -uo pipefail
STATE=${1:-${NTH_REAL_STATE:-}}
[ -n "$STATE" ] || { echo "usage: down.sh <state-dir>" >&2; exit 2; }
[ -f "$STATE/pids" ] || { echo "Cannot stop the real control plane: \"$STATE/pids\" does not exist" >&2; exit 1; }

# The watchdog (if any) goes first, so it does not run down.sh a second time.
if [ -f "$STATE/watchdog.pid" ]; then
  read -r _ wpid <"$STATE/watchdog.pid"
  [ "$wpid" != "$PPID" ] && [ "$wpid" != "$$" ] && kill "$wpid" 2>/dev/null
  rm -f "$STATE/watchdog.pid"
fi

ours() { # pid name: true when the pid still runs the binary named so
  local argv0
  argv0=$( { tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | head -n 1)
  [ "${argv0##*/}" = "$2" ]
}

mapfile -t lines < <(tac "$STATE/pids")
total=0
report=""
for line in "${lines[@]}"; do
  read -r name pid <<<"$line"
  ours "$pid" "$name" || continue
  hwm=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  total=$(( total + ${hwm:-0} ))
  report+=$(printf '  %-24s peak RSS %6d MB' "$name" $(( ${hwm:-0} / 1024 )))$'\n'
  kill -TERM "$pid" 2>/dev/null
done
for line in "${lines[@]}"; do
  read -r name pid <<<"$line"
  for _ in $(seq 100); do ours "$pid" "$name" || break; sleep 0.1; done
  if ours "$pid" "$name"; then
    echo "down: $name ($pid) ignored SIGTERM for 10 s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
done
if [ -n "$report" ]; then
  printf '%s  %-24s peak RSS %6d MB (sum of per-process peaks)\n' "$report" "stack" $(( total / 1024 )) | tee "$STATE/memory.txt" >&2
fi

if [ -f "$STATE/etcd-data-dir" ]; then
  data=$(cat "$STATE/etcd-data-dir")
  case "$data" in */nth-real.*-etcd|"$STATE"/etcd) rm -rf "$data" ;; esac
fi
rm -rf "$STATE/pki" "$STATE/kubeconfig" "$STATE/env"
echo "down: stopped $STATE (logs kept in $STATE/logs)" >&2
