# One image for Tower (with the built UI) and Airbag; docker-compose picks the command.
# Node 20 (>= 20.19), the major the SDK, CI and the READMEs state; `npm ci --engine-strict`
# proves the dependency tree agrees (root package.json pins @nats-io/nuid to a Node 20 release).
FROM node:20-bookworm-slim AS build
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

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000
CMD ["node", "tower-server/dist/main.js"]
