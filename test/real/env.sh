# Shared settings for test/real/*.sh: versions, cache paths and the Go environment.
# Sourced, never run. Everything is keyed by version so a bump builds a new set
# beside the old one instead of mixing binaries.
export GOTOOLCHAIN=local CGO_ENABLED=0
REAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NTH_REALTEST_CACHE=${NTH_REALTEST_CACHE:-$HOME/.cache/nth-realtest}
export GOMODCACHE=$NTH_REALTEST_CACHE/gomod GOCACHE=$NTH_REALTEST_CACHE/gobuild
K8S_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
AEMM_VERSION=v1.13.0
HELM_VERSION=v3.22.0
TOOLS_SUM=$(sha256sum "$REAL_DIR/tools/go.sum" | cut -c1-8)
REAL_BIN=$NTH_REALTEST_CACHE/bin/k8s-$K8S_VERSION.kwok-$KWOK_VERSION.aemm-$AEMM_VERSION.helm-$HELM_VERSION.$TOOLS_SUM
