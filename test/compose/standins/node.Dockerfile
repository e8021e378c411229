# Stand-in for the official `node:20-bookworm-slim` image, for CI machines that cannot pull from a
# registry (test/compose/run.mjs). Debian bookworm's own nodejs is 18, so this copies the Node 20
# installation CI itself runs (node, npm, headers) from the build context, laid out as the official image
# lays it out, with the same `node` user (uid/gid 1000). The machine's CA bundle comes along so npm
# reaches the registry through the machine's TLS proxy, if it has one.
ARG BASE=tailslide-standin/debian:bookworm
FROM ${BASE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY include /usr/local/include/node
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# node-gyp would download Node's headers from nodejs.org, which CI cannot reach: use these.
ENV npm_config_nodedir=/usr/local
CMD ["node"]
