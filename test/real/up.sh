#!/usr/bin/env bash
# Brings up one real local control plane for nth's e2e tier, all on 127.0.0.1
# free ports: etcd (data in /dev/shm), kube-apiserver (token auth, RBAC, its own
# CA), kube-controller-manager (disruption, replicaset, deployment, daemonset,
# garbage-collector, namespace, serviceaccount, podgc, root-ca publisher,
# clusterrole aggregation; NOT node-lifecycle), kube-scheduler, and kwok playing
# every node's kubelet with the stages of test/real/kwok.yaml.
#
# Each bring-up gets its own state dir, so several stacks can run at once. It
# holds kubeconfig (admin), state.json, env (shell), pids, logs/ (with the
# apiserver's audit log of the agent's ServiceAccount and the bench's,
# logs/audit.log), and
# kube-apiserver.cmd (its command line, to restart it). Timings go to
# stderr; the state dir is the LAST line of stdout (scripts/test.mjs reads it).
# Stop it with: bash test/real/down.sh <state-dir>
#
# Environment:
#   NTH_REAL_STATE_ROOT   where state dirs go (default ${TMPDIR:-/tmp})
#   NTH_REAL_KEEP_ON_FAILURE  if set, a failed bring-up is left running for debugging
#   NTH_REAL_WATCH_PID    if set, a watchdog runs down.sh once that process is gone
#                         (so a killed test runner does not leave a stack behind)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(now_ms)
log() { printf '[up %5.1fs] %s\n' "$(( $(now_ms) - t0 ))e-3" "$*" >&2; }

command -v curl >/dev/null || { echo "Cannot bring up the real control plane: curl is not installed" >&2; exit 1; }
command -v openssl >/dev/null || { echo "Cannot bring up the real control plane: openssl is not installed" >&2; exit 1; }
command -v node >/dev/null || { echo "Cannot bring up the real control plane: node is not on PATH (used to find free ports)" >&2; exit 1; }

BIN=$(bash "$REAL_DIR/build.sh" | tail -n 1)
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$BIN/$b" ] || { echo "Cannot bring up the real control plane: \"$BIN/$b\" is missing" >&2; exit 1; }
done

root=${NTH_REAL_STATE_ROOT:-${TMPDIR:-/tmp}}
mkdir -p "$root"
STATE=$(mktemp -d "$root/nth-real.XXXXXX")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then ETCD_DATA=/dev/shm/$(basename "$STATE")-etcd; else ETCD_DATA=$STATE/etcd; fi
mkdir -p "$STATE/logs" "$STATE/pki"
: >"$STATE/pids"
echo "$ETCD_DATA" >"$STATE/etcd-data-dir"

ok=0
on_exit() {
  [ "$ok" = 1 ] && return
  echo "Cannot bring up the real control plane; last log lines:" >&2
  for f in "$STATE"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "--- $(basename "$f")" >&2; tail -n 15 "$f" >&2
  done
  if [ -n "${NTH_REAL_KEEP_ON_FAILURE:-}" ]; then
    echo "NTH_REAL_KEEP_ON_FAILURE is set: left running; stop it with: bash test/real/down.sh $STATE" >&2
  else
    bash "$REAL_DIR/down.sh" "$STATE" >&2 || true
  fi
}
trap on_exit EXIT

# --- ports: six distinct free ones below the ephemeral range, where no outgoing
# connection's source port can take one before its server binds it (free-ports.mjs).
read -r P_ETCD P_PEER P_API P_KCM P_SCHED P_KWOK < <(node "$REAL_DIR/free-ports.mjs" 6)
[ -n "${P_KWOK:-}" ] || { echo "Cannot bring up the real control plane: test/real/free-ports.mjs found no six free ports" >&2; exit 1; }
log "ports: etcd $P_ETCD, apiserver $P_API, controller-manager $P_KCM, scheduler $P_SCHED, kwok $P_KWOK"

# --- credentials: a CA and serving cert for the apiserver, the service-account
# signing key, and a random admin token in system:masters.
pki=$STATE/pki
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
  -subj /CN=nth-realtest-ca -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=kube-apiserver \
  -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$pki/apiserver.ext"
openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 7 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
TOKEN=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
printf '%s,admin,admin-uid,"system:masters"\n' "$TOKEN" >"$pki/tokens.csv"
chmod 600 "$pki"/*.key "$pki/tokens.csv"
CA_DATA=$(base64 -w0 <"$pki/ca.crt")
API=https://127.0.0.1:$P_API
cat >"$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: nth-real
  cluster:
    server: $API
    certificate-authority-data: $CA_DATA
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: nth-real
  context:
    cluster: nth-real
    user: admin
    namespace: default
current-context: nth-real
EOF
chmod 600 "$STATE/kubeconfig"
log "credentials written"

# --- processes: stdin from /dev/null and output to a log file, so a caller that
# reads this script's stdout (spawnSync) is not held open by the stack.
start() { # name, command...
  local name=$1; shift
  "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$STATE/pids"
  eval "PID_${name//-/_}=$!"
}
wait_ready() { # name, timeout-s, probe command...
  local name=$1 timeout=$2; shift 2
  local pid_var="PID_${name//-/_}" deadline=$(( $(now_ms) + timeout * 1000 ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "${!pid_var}" 2>/dev/null || { echo "Cannot start $name: it exited (see $STATE/logs/$name.log)" >&2; return 1; }
    [ "$(now_ms)" -lt "$deadline" ] || { echo "Cannot start $name: not ready within ${timeout} s" >&2; return 1; }
    sleep 0.1
  done
  log "$name ready"
}
https_ok() { curl -sf --max-time 2 --cacert "$pki/ca.crt" -H "Authorization: Bearer $TOKEN" "$1" | grep -qx ok; }
insecure_ok() { curl -skf --max-time 2 "$1" | grep -qx ok; }

start etcd "$BIN/etcd" --name=n0 --data-dir="$ETCD_DATA" \
  --listen-client-urls="http://127.0.0.1:$P_ETCD" --advertise-client-urls="http://127.0.0.1:$P_ETCD" \
  --listen-peer-urls="http://127.0.0.1:$P_PEER" --initial-advertise-peer-urls="http://127.0.0.1:$P_PEER" \
  --initial-cluster="n0=http://127.0.0.1:$P_PEER" --unsafe-no-fsync --log-level=warn \
  --auto-compaction-retention=1
wait_ready etcd 30 sh -c "curl -sf --max-time 2 http://127.0.0.1:$P_ETCD/health | grep -q '\"health\":\"true\"'"

# --- audit: every request of the agent's ServiceAccount (manifests/), at
# Metadata level (verb, resource, subresource, status; no bodies), and of every
# ServiceAccount of the nth-bench namespace (bench:drain runs nth, upstream NTH
# and a kubectl-style drain each as its own ServiceAccount there and counts
# their requests and 429s from this log: bench/drain-audit.ts); nothing of
# anyone else. test/e2e/zz-rbac-audit.test.ts holds the verbs the agent used to
# the ClusterRole. The log accumulates over every e2e file run on this stack.
AGENT_USER=system:serviceaccount:kube-system:nth
cat >"$STATE/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["$AGENT_USER"]
  - level: Metadata
    userGroups: ["system:serviceaccounts:nth-bench"]
  - level: None
EOF
AUDIT_LOG=$STATE/logs/audit.log

# The command line is kept in the state dir (one shell-quoted line), so a test
# that kills the apiserver can start the same one again: bash -c "$(cat kube-apiserver.cmd)".
APISERVER_CMD=("$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$P_ETCD"
  --bind-address=127.0.0.1 --secure-port="$P_API" --advertise-address=127.0.0.1 --endpoint-reconciler-type=none
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --cert-dir="$pki/apiserver"
  --token-auth-file="$pki/tokens.csv" --authorization-mode=RBAC
  --service-account-issuer=https://kubernetes.default.svc.cluster.local
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key"
  --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true
  --disable-admission-plugins=ServiceAccount,TaintNodesByCondition --profiling=false
  --audit-policy-file="$STATE/audit-policy.yaml" --audit-log-path="$AUDIT_LOG" --audit-log-format=json
  --audit-log-mode=blocking --audit-log-maxsize=0 --audit-log-maxbackup=0)
printf '%q ' "${APISERVER_CMD[@]}" >"$STATE/kube-apiserver.cmd"
start kube-apiserver "${APISERVER_CMD[@]}"
wait_ready kube-apiserver 90 https_ok "$API/readyz"

start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$STATE/kubeconfig" \
  --authentication-kubeconfig="$STATE/kubeconfig" --authorization-kubeconfig="$STATE/kubeconfig" --authentication-skip-lookup=true \
  --bind-address=127.0.0.1 --secure-port="$P_KCM" --cert-dir="$pki/kcm" --leader-elect=false \
  --root-ca-file="$pki/ca.crt" --profiling=false \
  --controllers=disruption-controller,replicaset-controller,deployment-controller,daemonset-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,pod-garbage-collector-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kubeconfig" \
  --authentication-kubeconfig="$STATE/kubeconfig" --authorization-kubeconfig="$STATE/kubeconfig" --authentication-skip-lookup=true \
  --bind-address=127.0.0.1 --secure-port="$P_SCHED" --cert-dir="$pki/scheduler" --leader-elect=false --profiling=false
start kwok "$BIN/kwok" --kubeconfig="$STATE/kubeconfig" --manage-all-nodes=true \
  --config="$REAL_DIR/kwok.yaml" --node-lease-duration-seconds=40 --cidr=10.128.0.0/16 --node-ip=10.127.0.1 \
  --server-address="127.0.0.1:$P_KWOK"
wait_ready kube-controller-manager 60 insecure_ok "https://127.0.0.1:$P_KCM/healthz"
wait_ready kube-scheduler 60 insecure_ok "https://127.0.0.1:$P_SCHED/healthz"
wait_ready kwok 60 sh -c "curl -sf --max-time 2 http://127.0.0.1:$P_KWOK/healthz | grep -qx ok"

# --- prove kwok plays the kubelet with our stages: a probe node must turn Ready.
kube() { curl -sS --max-time 5 --cacert "$pki/ca.crt" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
probe=nth-real-probe
kube -X POST "$API/api/v1/nodes" -d "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$probe\"}}" >/dev/null
wait_ready kwok 30 sh -c "curl -sf --max-time 2 --cacert '$pki/ca.crt' -H 'Authorization: Bearer $TOKEN' '$API/api/v1/nodes/$probe' | tr -d ' \\n' | grep -q '\"type\":\"Ready\",\"status\":\"True\"'"
kube -X DELETE "$API/api/v1/nodes/$probe" >/dev/null
log "kwok made probe node Ready"

# --- watchdog (opt-in): stop this stack once the owning process is gone.
if [ -n "${NTH_REAL_WATCH_PID:-}" ]; then
  nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; bash "$2/down.sh" "$3"' \
    nth-real-watchdog "$NTH_REAL_WATCH_PID" "$REAL_DIR" "$STATE" </dev/null >"$STATE/logs/watchdog.log" 2>&1 &
  echo "watchdog $!" >"$STATE/watchdog.pid"
fi

# --- state files
pids_json=$(awk 'BEGIN{ORS=""} {printf "%s\"%s\": %s", (NR>1?", ":""), $1, $2}' "$STATE/pids")
cat >"$STATE/state.json" <<EOF
{
  "stateDir": "$STATE",
  "apiserverUrl": "$API",
  "adminToken": "$TOKEN",
  "binDir": "$BIN",
  "kubeconfig": "$STATE/kubeconfig",
  "caFile": "$pki/ca.crt",
  "caData": "$CA_DATA",
  "ports": { "etcd": $P_ETCD, "etcdPeer": $P_PEER, "apiserver": $P_API, "controllerManager": $P_KCM, "scheduler": $P_SCHED, "kwok": $P_KWOK },
  "pids": { $pids_json },
  "kwokConfig": "$REAL_DIR/kwok.yaml",
  "podDeleteDelayAnnotation": "realtest.nth.dev/delete-delay",
  "auditLog": "$AUDIT_LOG",
  "auditUser": "$AGENT_USER",
  "apiserverCommand": "$STATE/kube-apiserver.cmd"
}
EOF
cat >"$STATE/env" <<EOF
export NTH_REAL_STATE='$STATE'
export KUBECONFIG='$STATE/kubeconfig'
export NTH_REAL_APISERVER='$API'
export NTH_REAL_TOKEN='$TOKEN'
export NTH_REAL_CA='$pki/ca.crt'
export NTH_REAL_BIN='$BIN'
EOF
chmod 600 "$STATE/state.json" "$STATE/env"
ok=1
elapsed_ms=$(( $(now_ms) - t0 ))
echo "$elapsed_ms" >"$STATE/bringup-ms"
log "up in $(( elapsed_ms / 1000 )).$(( elapsed_ms % 1000 / 100 )) s; stack RSS now $(awk '{print $2}' "$STATE/pids" | xargs -I{} awk '/^VmRSS/{print $2}' /proc/{}/status 2>/dev/null | awk '{s+=$1} END {printf "%d MB", s/1024}')"
cat >&2 <<EOF
Reach it with:
  kubectl --kubeconfig $STATE/kubeconfig get nodes
  . $STATE/env        # exports NTH_REAL_STATE, KUBECONFIG, NTH_REAL_TOKEN, ...
Stop it with:
  bash test/real/down.sh $STATE
EOF
echo "$STATE"
