# nsx exporter image: `docker build -t nsx-exporter:0.1.0 .` at the repository root.
# Run it as the DaemonSet does (deploy/kubernetes/daemonset.yaml), e.g. on one Docker host:
#   docker run -d --name nsx-exporter --pid host --network host --read-only \
#     --cap-drop ALL --cap-add SYS_PTRACE --security-opt no-new-privileges \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /run/containerd:/host/run/containerd:ro \
#     -v /var/lib/docker/containers:/host/var/lib/docker/containers:ro \
#     nsx-exporter:0.1.0 --listen 127.0.0.1:9587
# See docs/exporter.md.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# no install scripts: the exporter needs neither the enter helper (a C build) nor node-pty
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY native-bindings ./native-bindings
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/bundle ./dist/bundle
COPY --from=build /src/node_modules ./node_modules
# uid 0 with every capability dropped but SYS_PTRACE (set by the runtime: see the DaemonSet); the image itself
# needs no writable path (run it with a read-only root filesystem)
ENV NODE_ENV=production
# a small young generation and old space keep RSS low (the garbage of a scrape is short-lived).
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=96"
EXPOSE 9587
ENTRYPOINT ["node", "/app/bin/nsx", "--root", "/host", "exporter"]
