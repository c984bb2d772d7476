{{/* Labels of every object: manifests/ carries only app.kubernetes.io/name; Helm adds the release's. */}}
{{- define "kiosk.labels" -}}
app.kubernetes.io/name: kiosk
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The pods' labels, which the Service, the PodDisruptionBudget and the spread constraint select on. */}}
{{- define "kiosk.selectorLabels" -}}
app.kubernetes.io/name: kiosk
{{- end }}
