{{/*
Name of the agent's objects. Not derived from the release name: Clusternet's names, as in the plain
manifests (deploy/kubernetes/agent.yaml).
*/}}
{{- define "flotilla-agent.fullname" -}}
{{- default "clusternet-agent" .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The agent's own namespace (flag --namespace). */}}
{{- define "flotilla-agent.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name }}
{{- end }}

{{- define "flotilla-agent.deployerName" -}}
{{- printf "%s-deployer" (include "flotilla-agent.fullname" .) }}
{{- end }}

{{/* The Secret with the bootstrap token (key token) and the hub's CA (key ca.crt). */}}
{{- define "flotilla-agent.bootstrapSecret" -}}
{{- default (printf "%s-bootstrap" (include "flotilla-agent.fullname" .)) .Values.bootstrap.existingSecret }}
{{- end }}

{{- define "flotilla-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels Helm adds to every object's metadata (never to the pod template or the selector, which stay
as in the plain manifests so that a release can take over objects applied from them).
*/}}
{{- define "flotilla-agent.labels" -}}
helm.sh/chart: {{ include "flotilla-agent.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "flotilla-agent.selectorLabels" -}}
app: {{ include "flotilla-agent.fullname" . }}
{{- end }}

{{- define "flotilla-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* cluster.labels as --cluster-labels takes them: k=v,k2=v2 (sorted by key). */}}
{{- define "flotilla-agent.clusterLabels" -}}
{{- $labels := list }}
{{- range $key, $value := .Values.cluster.labels }}
{{- $labels = append $labels (printf "%s=%v" $key $value) }}
{{- end }}
{{- join "," $labels }}
{{- end }}

{{/* parentURL, required and https (the agent trusts only the hub's CA, over TLS). */}}
{{- define "flotilla-agent.parentURL" -}}
{{- $url := required "parentURL is required: the hub's address, e.g. --set parentURL=https://flotilla-hub.example.com:6443" .Values.parentURL }}
{{- if and $url (not (hasPrefix "https://" $url)) }}
{{- fail (printf "parentURL must be an https:// URL, not %q" $url) }}
{{- end }}
{{- $url }}
{{- end }}
