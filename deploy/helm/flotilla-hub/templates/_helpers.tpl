{{/*
Name of the hub's objects, its pods' `app` label and its Akka bootstrap service name.
Not derived from the release name: the plain manifests (deploy/kubernetes/hub.yaml) use these names.
*/}}
{{- define "flotilla-hub.fullname" -}}
{{- default "flotilla-hub" .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Namespace of the hub's objects. */}}
{{- define "flotilla-hub.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name }}
{{- end }}

{{- define "flotilla-hub.configMapName" -}}
{{- printf "%s-config" (include "flotilla-hub.fullname" .) }}
{{- end }}

{{- define "flotilla-hub.podReaderName" -}}
{{- printf "%s-pod-reader" (include "flotilla-hub.fullname" .) }}
{{- end }}

{{- define "flotilla-hub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels Helm adds to every object's metadata (never to pod templates or selectors, which stay as in
the plain manifests so that a release can take over objects applied from them).
*/}}
{{- define "flotilla-hub.labels" -}}
helm.sh/chart: {{ include "flotilla-hub.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The pods' label: Service selector, StatefulSet selector, and what cluster bootstrap looks for ("app=%s"). */}}
{{- define "flotilla-hub.selectorLabels" -}}
app: {{ include "flotilla-hub.fullname" . }}
{{- end }}

{{- define "flotilla-hub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The contact points, checked to be host:port (the hub refuses anything else at start). */}}
{{- define "flotilla-hub.contactPoints" -}}
{{- $points := .Values.cassandra.contactPoints }}
{{- if kindIs "string" $points }}{{ $points = splitList "," $points }}{{ end }}
{{- if not $points }}
{{- fail "cassandra.contactPoints is required: the external Cassandra's host:port list (the hub never starts an embedded one here)" }}
{{- end }}
{{- range $points }}
{{- if not (regexMatch "^.+:[0-9]+$" (toString .)) }}
{{- fail (printf "cassandra.contactPoints: %q is not host:port" (toString .)) }}
{{- end }}
{{- end }}
{{- join "," $points }}
{{- end }}
