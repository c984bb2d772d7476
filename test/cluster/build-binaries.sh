#!/usr/bin/env bash
# Builds the sandbox's control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kubectl)
# from the published Kubernetes and etcd Go modules into a cache outside the repository.
# Builds only what is missing or stamped with another version; a warm run takes well under a second.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

K8S_VERSION=${K8S_VERSION:-1.36.3}
STAGING_VERSION=v0.${K8S_VERSION#1.}
CACHE_ROOT=${KIOSK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-next}
WORK=$CACHE_ROOT/k8s-v$K8S_VERSION
BIN=$WORK/bin
LOG=$WORK/build.log
HELM_VERSION=${HELM_VERSION:-v3.22.0}
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl helm)

step() { printf '[build-binaries] %s\n' "$*" >&2; }
fail() { printf '[build-binaries] ERROR: %s\n' "$*" >&2; [ -f "$LOG" ] && { echo "--- last lines of $LOG ---" >&2; tail -n 25 "$LOG" >&2; }; exit 1; }

kubernetes_cached() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kubectl; do [ -x "$BIN/$b" ] || return 1; done
  "$BIN/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes v$K8S_VERSION" || return 1
  [ -f "$WORK/etcd.version" ]
}
helm_cached() {
  [ -x "$BIN/helm" ] && "$BIN/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if kubernetes_cached && helm_cached; then
  step "binaries for Kubernetes v$K8S_VERSION and helm $HELM_VERSION are cached in $BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "Go is not installed (need Go >= 1.26 on PATH to build Kubernetes v$K8S_VERSION); install it from https://go.dev/dl or put /usr/local/go/bin on PATH"
mkdir -p "$WORK/src" "$BIN"
: > "$LOG"
started=$(date +%s)

if ! kubernetes_cached; then
  cd "$WORK/src"

  step "1/6 preparing the build module in $WORK/src (log: $LOG)"
  rm -f go.mod go.sum
  go mod init kiosk-next.local/control-plane-binaries >>"$LOG" 2>&1
  go mod edit -go=1.26.0

  step "2/6 fetching k8s.io/kubernetes@v$K8S_VERSION's go.mod through the module proxy"
  gomod_json=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" 2>>"$LOG") \
    || fail "the Go module proxy did not serve k8s.io/kubernetes@v$K8S_VERSION (GOPROXY=$(go env GOPROXY))"
  upstream_gomod=$(printf '%s' "$gomod_json" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$upstream_gomod" ] || fail "could not locate the go.mod of k8s.io/kubernetes@v$K8S_VERSION"
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$upstream_gomod")
  [ -n "$staging" ] || fail "no staging modules found in k8s.io/kubernetes@v$K8S_VERSION's go.mod"
  for m in $staging; do go mod edit -replace="$m=$m@$STAGING_VERSION"; done
  step "    pinned $(echo "$staging" | wc -w) staging modules to $STAGING_VERSION"

  step "3/6 resolving the module graph (downloads about 1 GB on a cold machine)"
  go get "k8s.io/kubernetes@v$K8S_VERSION" >>"$LOG" 2>&1 \
    || fail "go get k8s.io/kubernetes@v$K8S_VERSION failed: a module was refused by the proxy or does not exist (see the log)"
  # etcd without a version: keep the etcd server release that Kubernetes' own module graph pins.
  go mod edit -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=k8s.io/kubernetes/cmd/kube-controller-manager \
    -tool=k8s.io/kubernetes/cmd/kubectl -tool=go.etcd.io/etcd/server/v3
  go mod tidy >>"$LOG" 2>&1 || fail "go mod tidy failed (see the log)"
  etcd_version=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
  step "    etcd server pinned by the graph: $etcd_version"

  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done

  step "4/6 compiling kube-apiserver, kube-controller-manager and kubectl (10-30 min cold on 2 cores)"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl \
    >>"$LOG" 2>&1 || fail "compiling Kubernetes failed (see the log)"

  step "5/6 compiling etcd $etcd_version"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 >>"$LOG" 2>&1 \
    || fail "compiling etcd failed (see the log)"
  echo "$etcd_version" > "$WORK/etcd.version"

fi

# helm in a module of its own: its Kubernetes libraries are another release than the control plane's.
if ! helm_cached; then
  step "6/6 compiling helm $HELM_VERSION (for Templates with resources.helm)"
  mkdir -p "$WORK/helm-src"
  cd "$WORK/helm-src"
  rm -f go.mod go.sum
  go mod init kiosk-next.local/helm >>"$LOG" 2>&1
  go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >>"$LOG" 2>&1 \
    || fail "the Go module proxy did not serve helm.sh/helm/v3@$HELM_VERSION (see the log)"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    -o "$BIN/helm" helm.sh/helm/v3/cmd/helm >>"$LOG" 2>&1 || fail "compiling helm failed (see the log)"
fi

step "done in $(( $(date +%s) - started ))s: $(ls "$BIN" | tr '\n' ' ')"
