-- wrk script: PUTs an unchanged status for each cluster of $CLUSTERS (default clusters.txt, written
-- by register.sh) in turn, each with its own token.
-- usage: wrk -t2 -c64 -d30s --latency -s loadtest/wrk/heartbeats.lua https://127.0.0.1:7443
local clusters = {}
for line in io.lines(os.getenv("CLUSTERS") or "clusters.txt") do
  local namespace, name, token = line:match("^(%S+) (%S+) (%S+)$")
  if namespace then table.insert(clusters, {namespace, name, token}) end
end
local i = 0
request = function()
  i = i % #clusters + 1
  local namespace, name, token = clusters[i][1], clusters[i][2], clusters[i][3]
  local body = '{"apiVersion":"clusters.clusternet.io/v1beta1","kind":"ManagedCluster","metadata":{"name":"' .. name
    .. '","namespace":"' .. namespace .. '"},"status":{"k8sVersion":"v1.32.0","platform":"linux/amd64",'
    .. '"healthz":true,"livez":true,"readyz":true,"heartbeatFrequencySeconds":180}}'
  return wrk.format("PUT", "/apis/clusters.clusternet.io/v1beta1/namespaces/" .. namespace .. "/managedclusters/"
    .. name .. "/status", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
