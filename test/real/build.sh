#!/usr/bin/env bash
# Builds the real control plane used by the e2e tier, once per machine, into
# ~/.cache/nth-realtest/bin/<versions>/: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl (upstream main packages built
# through the tools module), kwok, AEMM (ec2-metadata-mock) and helm. Idempotent and
# locked: a second run, or a concurrent one, finds .ok and returns at once.
# Prints the directory on its last line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

command -v go >/dev/null || { echo "Cannot build the real control plane: Go is not installed (need go >= 1.26)" >&2; exit 1; }
mkdir -p "$NTH_REALTEST_CACHE" "$REAL_BIN"
exec 9>"$NTH_REALTEST_CACHE/.lock"
flock 9

binaries="kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok ec2-metadata-mock helm"
complete() { [ -f "$REAL_BIN/.ok" ] || return 1; for b in $binaries; do [ -x "$REAL_BIN/$b" ] || return 1; done; }
if complete; then
  echo "real control plane: warm cache, nothing to build" >&2
  echo "$REAL_BIN"; exit 0
fi

started=$(date +%s)
step() { # name, command...
  local name=$1 t0; shift; t0=$(date +%s)
  if [ -x "$REAL_BIN/$name" ]; then echo "  $name: cached" >&2; return; fi
  echo "  building $name ..." >&2
  "$@" >&2
  echo "  $name: built in $(( $(date +%s) - t0 )) s" >&2
}
major_minor=${K8S_VERSION#v}; major=${major_minor%%.*}; minor=${major_minor#*.}; minor=${minor%%.*}
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
 -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=$major -X k8s.io/client-go/pkg/version.gitMinor=$minor"
build_tool() { (cd "$REAL_DIR/tools" && go build -p 2 -trimpath -ldflags "$1" -o "$REAL_BIN/$2" "$3"); }

echo "real control plane: cold build into $REAL_BIN" >&2
(cd "$REAL_DIR/tools" && go mod download)
step kube-apiserver build_tool "$k8s_ldflags" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
step kube-controller-manager build_tool "$k8s_ldflags" kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
step kube-scheduler build_tool "$k8s_ldflags" kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
# kubectl for the tests (kustomize, server-side apply, auth can-i): the same version as the server, not whatever the machine has.
step kubectl build_tool "$k8s_ldflags" kubectl k8s.io/kubernetes/cmd/kubectl
step etcd build_tool "-s -w" etcd go.etcd.io/etcd/server/v3
step kwok env GOBIN="$REAL_BIN" go install -trimpath -ldflags "-s -w" sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION
step ec2-metadata-mock env GOBIN="$REAL_BIN" go install -trimpath -ldflags "-s -w" github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@$AEMM_VERSION
step helm env GOBIN="$REAL_BIN" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" helm.sh/helm/v3/cmd/helm@$HELM_VERSION

"$REAL_BIN/kube-apiserver" --version | grep -q "$K8S_VERSION" \
  || { echo "Cannot stamp kube-apiserver: --version does not report $K8S_VERSION" >&2; exit 1; }
touch "$REAL_BIN/.ok"
echo "real control plane: cold build took $(( $(date +%s) - started )) s" >&2
echo "$REAL_BIN"
