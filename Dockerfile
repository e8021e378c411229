# One image for Tower (with the built UI) and Airbag; docker-compose picks the command.
# Node 20 (>= 20.19), the major the SDK, CI and the READMEs state; `npm ci --engine-strict`
# proves the dependency tree agrees (root package.json pins @nats-io/nuid to a Node 20 release).
# NODE_IMAGE: the base image, official by default; test/compose/run.mjs builds with a local
# stand-in where no registry is reachable (test/compose/docker-compose.standins.yml).
#
# Few layers on purpose: a storage driver without copy-on-write (vfs, which the compose test in CI
# uses) copies the whole file system for every layer, metadata-only instructions included.
ARG NODE_IMAGE=node:20-bookworm-slim

# The manifests `npm ci` needs, alone, so the dependency layer below stays cached while only
# sources change (one COPY layer instead of one per workspace).
FROM ${NODE_IMAGE} AS manifests
COPY . /src
RUN cd /src \
 && find . -type f ! -name package.json ! -name package-lock.json \
      ! -path ./tsconfig.base.json ! -path ./tsconfig.json -delete \
 && find . -depth -type d -empty -delete

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# argon2's prebuilt binary targets Node-API 10, which Node 20 lacks (Node 20 crashes loading it),
# so npm compiles it: node-gyp needs python3, make and g++ (the runtime stage below does not).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY --from=manifests /src/ ./
RUN npm ci --no-audit --no-fund --engine-strict
COPY . .
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
USER node
EXPOSE 3000
CMD ["node", "tower-server/dist/main.js"]
# Last, so the instructions above copy only the base image.
COPY --from=build /app /app
