# One image for Tower (with the built UI) and Airbag; docker-compose picks the command.
# Node 20 (>= 20.19), the major the SDK, CI and the READMEs state; `npm ci --engine-strict`
# proves the dependency tree agrees (root package.json pins @nats-io/nuid to a Node 20 release).
# NODE_IMAGE: the base image, official by default; test/compose/run.mjs builds with a local
# stand-in where no registry is reachable (test/compose/docker-compose.standins.yml).
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS build
# argon2's prebuilt binary targets Node-API 10, which Node 20 lacks (Node 20 crashes loading it),
# so npm compiles it: node-gyp needs python3, make and g++ (the runtime stage below does not).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY contracts/package.json contracts/
COPY server-kit/package.json server-kit/
COPY sdk-node/package.json sdk-node/
COPY tower-server/package.json tower-server/
COPY airbag/package.json airbag/
COPY tower-ui/package.json tower-ui/
COPY test-support/package.json test-support/
RUN npm ci --no-audit --no-fund --engine-strict
COPY . .
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000
CMD ["node", "tower-server/dist/main.js"]
