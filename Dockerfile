# The kiosk-next server image: `docker build -t ghcr.io/kiosk-next/kiosk-next:0.1.0 .`
# Three stages: helm (Templates with resources.helm run `helm template`), the TypeScript build, and a slim
# runtime with production dependencies only, running as a non-root user on a read-only root filesystem.
# manifests/deployment.yaml passes the flags; the sandbox runs dist/apiserver/main.js with the same ones.
# Node 24: the current LTS (Node 20 reached end of life on 2026-04-30); CI runs the suite on both.
ARG NODE_IMAGE=node:24-bookworm-slim

# helm from its Go module, the version the tests use (test/cluster/build-binaries.sh).
FROM golang:1.26-bookworm AS helm
ARG HELM_VERSION=v3.22.0
WORKDIR /helm
# Built the way build-binaries.sh builds it (a module of its own, then go build), not `go install @v`,
# which refuses modules whose go.mod has replace directives.
RUN go mod init kiosk-next.local/helm && go get "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    -o /out/helm helm.sh/helm/v3/cmd/helm

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY apiserver apiserver
COPY registry registry
COPY storage storage
# Only the server's folders are compiled (tsconfig's test/ glob matches nothing here).
RUN npx tsc -p tsconfig.json && rm -rf node_modules && npm ci --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist/apiserver dist/apiserver
COPY --from=build /src/dist/registry dist/registry
COPY --from=build /src/dist/storage dist/storage
COPY --from=helm /out/helm /usr/local/bin/helm
# 65532: the conventional "nonroot" user; the Deployment also sets runAsNonRoot.
USER 65532:65532
EXPOSE 8443
# --disable-proto=delete: no request data can reach an object's prototype through `__proto__`, even if a
# dictionary write somewhere missed an own-property check (defence in depth; the sandbox runs the same flags).
# --max-semi-space-size=2 (MiB): V8 grows its young generation up to 16 MiB per semi-space under a start-up
# burst and keeps it; at 2 the server rests ~22 MiB lower with the same list latency (docs/benchmarks.md).
ENTRYPOINT ["node", "--enable-source-maps", "--disable-proto=delete", "--max-semi-space-size=2", "dist/apiserver/main.js"]
