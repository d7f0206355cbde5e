# syntax=docker/dockerfile:1
# The gymwire image: `gymwire serve` by default (docker run -p 8765:8765 -e GYMWIRE_TOKEN=... IMAGE),
# any other gymwire command by argument (docker run IMAGE train --env Pendulum-v1 --url ...).
# Used by the manifests in k8s/. No container engine runs in this repository's CI, so this
# file is checked only statically there (test/k8s.test.ts); see README, "Run a farm".
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: pack the package (npm pack: its prepack compiles the TypeScript, npm run build ->
# dist/; the tarball holds dist/, no sources), and install the tarball as a user's npm would:
# what the package ships, production dependencies only, the `gymwire` bin linked into
# /opt/gymwire/bin. Optional dependencies (@tensorflow/tfjs-node,
# msgpackr's native extension) are left out: the trainer uses its WebAssembly backend.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /tmp \
 && npm install --global --prefix /opt/gymwire --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund /tmp/gymwire-*.tgz

# Runtime: Node and the installed package, nothing from the build; a non-root user (the
# node image's uid 1000, numeric so Kubernetes' runAsNonRoot can check it).
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PATH=/opt/gymwire/bin:$PATH \
    GYMWIRE_HOST=0.0.0.0 \
    GYMWIRE_PORT=8765
COPY --from=build /opt/gymwire /opt/gymwire
USER 1000:1000
EXPOSE 8765
# Slim images have no curl: Node's fetch asks /healthz on the port the server listens on.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GYMWIRE_PORT || 8765) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["gymwire"]
CMD ["serve"]
