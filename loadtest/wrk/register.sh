#!/usr/bin/env bash
# Registers N clusters on a running hub through its API and writes "namespace name token" per
# cluster to $CLUSTERS (default clusters.txt) for heartbeats.lua.
# usage: HUB_HOME=/tmp/fh PORT=7443 loadtest/wrk/register.sh 2000
set -euo pipefail
n=${1:-2000}
export PORT=${PORT:-7443} CLUSTERS=${CLUSTERS:-clusters.txt}
export BOOTSTRAP_TOKEN=$(cat "${HUB_HOME:-/tmp/fh}/hub/bootstrap-token")
: > "$CLUSTERS"
register() {
  local id line
  id=$(cat /proc/sys/kernel/random/uuid)
  line=$(curl -sfk -H "Authorization: Bearer $BOOTSTRAP_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"apiVersion\":\"clusters.clusternet.io/v1beta1\",\"kind\":\"ClusterRegistrationRequest\",\"metadata\":{\"name\":\"clusternet-$id\"},\"spec\":{\"clusterId\":\"$id\",\"clusterType\":\"EdgeCluster\",\"syncMode\":\"Pull\",\"clusterName\":\"c-${id:0:8}\"}}" \
    "https://127.0.0.1:$PORT/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests" \
    | python3 -c 'import sys, json; s = json.load(sys.stdin)["status"]; print(s["dedicatedNamespace"], s["managedClusterName"], s["token"])')
  # one writer at a time: parallel appends interleave lines
  flock "$CLUSTERS" -c "echo '$line' >> '$CLUSTERS'"
}
export -f register
seq "$n" | xargs -P 32 -I{} bash -c register
wc -l < "$CLUSTERS"
