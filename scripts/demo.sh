#!/usr/bin/env bash
# The product demo, from a fresh clone: installs what is missing (npm packages,
# the real control plane binaries — about 6 minutes the first time, seconds
# after), builds the agent, brings up a real kube-apiserver + controller-manager
# + scheduler + kwok and AEMM on 127.0.0.1, and plays one spot interruption:
# rebalance recommendation, then the interruption notice, then a PDB-paced drain,
# with the webhook messages, Kubernetes events and metrics it produces.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash test/real/build.sh >/dev/null
node scripts/build.mjs --for-tests >/dev/null
state=$(bash test/real/up.sh 2>/dev/null | tail -n 1)
trap 'bash test/real/down.sh "$state" >/dev/null 2>&1 || true' EXIT
NTH_REAL_STATE="$state" node scripts/demo.ts "$@"
