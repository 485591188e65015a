{{- define "nth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "nth.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "nth.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "nth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: daemonset
{{- end }}

{{- define "nth.labels" -}}
{{ include "nth.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The first non-empty of the arguments (NTH's linux* → plain → daemonset* precedence). */}}
{{- define "nth.firstNonEmpty" -}}
{{- $found := "" -}}
{{- range . -}}
{{- if and (not $found) . -}}
{{- $found = toYaml . -}}
{{- end -}}
{{- end -}}
{{- $found -}}
{{- end }}
