# Stand-ins for the official postgres, nats and redis images (test/compose/run.mjs), for machines
# that cannot pull from a registry: Debian bookworm's packages, installed once into one layer, then
# one target per image with what docker-compose.yml relies on of the official one:
#   postgres  POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, data in /var/lib/postgresql/data,
#             pg_isready on the default socket (postgres-entrypoint.sh)
#   nats      `nats-server -c <file>`, wget for the healthcheck. Debian's nats-server is 2.9, which
#             rejects `sync_interval` (2.10): nats-entrypoint.sh drops that line
#   redis     redis-server and redis-cli (compose starts it through redis/tailslide-redis.sh)
# Build each with --target and tag it tailslide-standin/<name>, never with an official name.
ARG BASE=tailslide-standin/debian:bookworm
FROM ${BASE} AS packages
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql nats-server wget redis-server >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY postgres-entrypoint.sh nats-entrypoint.sh /usr/local/bin/

FROM packages AS postgres
ENV PGDATA=/var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/postgres-entrypoint.sh"]

FROM packages AS nats
EXPOSE 4222 8222
ENTRYPOINT ["sh", "/usr/local/bin/nats-entrypoint.sh"]
CMD ["nats-server"]

FROM packages AS redis
EXPOSE 6379
CMD ["redis-server"]
