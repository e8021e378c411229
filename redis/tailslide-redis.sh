#!/bin/sh
# Starts redis-server with Tailslide's ACL (ADR 0007, docs/security.md): no anonymous rights,
# one user per service, SDK users created at run time by Tower. Extra arguments go to
# redis-server (`--port 6380`, `--save ''`, ...). docker-compose.yml and the tests run this file.
#
#   TOWER_REDIS_PASSWORD   password of user <prefix>-tower  (required)
#   AIRBAG_REDIS_PASSWORD  password of user <prefix>-airbag (required)
#   TAILSLIDE_REDIS_PREFIX key prefix of the platform (default tailslide; [A-Za-z0-9_-] only)
#   TAILSLIDE_REDIS_ACL_FILE where the generated ACL file is written (default: a new temp dir)
#
# The ACL file holds sha256 hashes of the passwords, never the passwords themselves.
#
# Redis Cluster: run this on every node (with --cluster-enabled yes ...); ACL users are per node.
# `CLUSTER SLOTS` (where each key lives) and `READONLY` (Tower reads charts from replicas) mean
# nothing on a single server. TAILSLIDE_REDIS_ADMIN_PASSWORD adds user <prefix>-admin with every
# right, for `redis-cli --cluster create` and operators; leave it unset to have no such user.
set -eu

prefix="${TAILSLIDE_REDIS_PREFIX:-tailslide}"
case "$prefix" in
  '' | *[!A-Za-z0-9_-]*)
    echo "TAILSLIDE_REDIS_PREFIX must be letters, digits, '_' or '-': $prefix" >&2
    exit 2
    ;;
esac
: "${TOWER_REDIS_PASSWORD:?set TOWER_REDIS_PASSWORD}"
: "${AIRBAG_REDIS_PASSWORD:?set AIRBAG_REDIS_PASSWORD}"

sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

umask 077
acl="${TAILSLIDE_REDIS_ACL_FILE:-$(mktemp -d)/users.acl}"
cat >"$acl" <<ACL
user default off resetpass resetkeys resetchannels -@all
user ${prefix}-tower on #$(sha256 "$TOWER_REDIS_PASSWORD") ~${prefix}:sig:* resetchannels -@all +hmget +acl|setuser +acl|deluser +acl|users +cluster|slots +readonly
user ${prefix}-airbag on #$(sha256 "$AIRBAG_REDIS_PASSWORD") ~${prefix}:sig:* resetchannels &${prefix}:wake:* -@all +hgetall +eval +cluster|slots +psubscribe +punsubscribe
ACL
if [ -n "${TAILSLIDE_REDIS_ADMIN_PASSWORD:-}" ]; then
  echo "user ${prefix}-admin on #$(sha256 "$TAILSLIDE_REDIS_ADMIN_PASSWORD") ~* &* +@all" >>"$acl"
fi

exec redis-server --aclfile "$acl" "$@"
