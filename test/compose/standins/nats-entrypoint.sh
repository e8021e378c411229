#!/bin/sh
# `nats-server -c <file> …` as the compose file says, minus `sync_interval` (nats-server >= 2.10).
set -eu
[ "${1:-}" = nats-server ] && shift
next=
for arg; do
  shift
  if [ -n "$next" ]; then
    copy="$(dirname "$arg")/standin-$(basename "$arg")"
    grep -v '^[[:space:]]*sync_interval' "$arg" >"$copy"
    arg="$copy"
    next=
  fi
  case "$arg" in -c | --config) next=1 ;; esac
  set -- "$@" "$arg"
done
exec /usr/sbin/nats-server "$@"
