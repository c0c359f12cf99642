# nsx exporter image: `docker build -t nsx-exporter:0.1.0 .` at the repository root
# (add `--build-arg NSX_COMMIT=$(git rev-parse --short=12 HEAD)` for `nsx --version`).
# Run it as the DaemonSet does (deploy/kubernetes/daemonset.yaml), e.g. on one Docker host:
#   docker run -d --name nsx-exporter --pid host --network host --read-only \
#     --cap-drop ALL --cap-add SYS_PTRACE --security-opt no-new-privileges \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /run/containerd:/host/run/containerd:ro \
#     -v /var/lib/docker/containers:/host/var/lib/docker/containers:ro \
#     nsx-exporter:0.1.0 --listen 127.0.0.1:9587
# See docs/exporter.md. test/exporter/dockerfile.test.ts keeps this file in step with the package's build.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# no install scripts: the exporter needs neither the enter helper (a C build) nor node-pty; TypeScript and esbuild
# come as prebuilt platform packages
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY native-bindings ./native-bindings
COPY test ./test
COPY bench ./bench
# the package's own build (package.json "build": type check, then scripts/build.mjs → dist/bundle); no git here
ARG NSX_COMMIT=unknown
RUN NSX_COMMIT=$NSX_COMMIT npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/bundle ./dist/bundle
COPY --from=build /src/node_modules ./node_modules
# uid 0 with every capability dropped but SYS_PTRACE (set by the runtime: see the DaemonSet); the image itself
# needs no writable path (run it with a read-only root filesystem)
ENV NODE_ENV=production
EXPOSE 9587
# Node flags chosen with `npm run bench -- exporter`, which runs the exporter with exactly this command line (see
# docs/exporter.md; the DaemonSet's `command` is the same): --single-threaded (no V8 helper threads for GC and
# compilation: the same work on the main thread, without the helpers' malloc arenas), --optimize-for-size (V8's
# heap grows and is kept smaller: ≈ 6 MB less RSS for ≈ 1 millicore more), a 1 MB young generation (a scrape's
# garbage is short-lived) and a bounded old space
ENTRYPOINT ["node", "--single-threaded", "--optimize-for-size", "--max-semi-space-size=4", "--max-old-space-size=96", "/app/bin/nsx", "--root", "/host", "exporter"]
