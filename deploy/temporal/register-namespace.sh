#!/usr/bin/env sh
# Waits for the Temporal frontend, then registers the namespace with its retention, or sets
# the retention of an existing one. Idempotent: run after every server start, by
# `npm run start:cluster` and by docker-compose's temporal-namespace service alike. (Our
# custom search attributes are added by the API at its start: src/worker/search-attributes.ts.)
#
# Environment: TEMPORAL_CLI (the temporal CLI), TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default),
# TEMPORAL_RETENTION (720h or 30d: how long closed workflows' histories stay in the database).
set -eu

cli=${TEMPORAL_CLI:-temporal}
address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is not set}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_RETENTION:-720h}
# Days as the service's TEMPORAL_RETENTION allows them ("30d"): the CLI takes a Go duration (hours).
case "$retention" in
  *[0-9]d) retention="$((${retention%d} * 24))h" ;;
esac

waited=0
until "$cli" operator cluster health --address "$address" >/dev/null 2>&1; do
  waited=$((waited + 1))
  if [ "$waited" -ge 120 ]; then
    echo "register-namespace: the Temporal frontend at $address did not answer within 120 s" >&2
    exit 1
  fi
  sleep 1
done

if "$cli" operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  "$cli" operator namespace update --namespace "$namespace" --retention "$retention" --address "$address" >/dev/null
  echo "register-namespace: $namespace exists; retention $retention"
else
  "$cli" operator namespace create --namespace "$namespace" --retention "$retention" --address "$address" >/dev/null
  echo "register-namespace: created $namespace; retention $retention"
fi
