{{/* Names, labels and the settings several templates share. */}}

{{- define "hop.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: hop
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The app's pods; the Valkey pods carry component=cache instead. */}}
{{- define "hop.selectorLabels" -}}
app.kubernetes.io/name: hop
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: app
{{- end -}}

{{- define "hop.valkey.name" -}}{{ include "hop.fullname" . }}-valkey{{- end -}}
{{- define "hop.valkey.selectorLabels" -}}
app.kubernetes.io/name: hop
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: cache
{{- end -}}

{{- define "hop.cnpg.name" -}}{{ include "hop.fullname" . }}-db{{- end -}}
{{- define "hop.pooler.name" -}}{{ include "hop.fullname" . }}-db-pooler{{- end -}}

{{/* Exactly one autoscaler may own the replica count. */}}
{{- define "hop.validate" -}}
{{- if and .Values.autoscaling.hpa.enabled .Values.autoscaling.keda.enabled -}}
{{- fail "autoscaling: enable either hpa or keda, not both (both would fight over the replica count)" -}}
{{- end -}}
{{- if and (eq .Values.postgres.mode "external") (not .Values.postgres.external.existingSecret) -}}
{{- fail "postgres.mode=external needs postgres.external.existingSecret (a Secret with the DATABASE_URL)" -}}
{{- end -}}
{{- if and (eq .Values.redis.mode "external") (not .Values.redis.external.existingSecret) -}}
{{- fail "redis.mode=external needs redis.external.existingSecret (a Secret with the REDIS_URL)" -}}
{{- end -}}
{{- if and .Values.monitoring.alertmanagerConfig.enabled (not .Values.monitoring.alertmanagerConfig.discord.existingSecret) -}}
{{- fail "monitoring.alertmanagerConfig needs discord.existingSecret (a Secret with the Discord webhook URL)" -}}
{{- end -}}
{{- if and .Values.postgres.cnpg.backup.enabled (eq .Values.postgres.mode "cnpg") (not .Values.postgres.cnpg.backup.existingSecret) -}}
{{- fail "postgres.cnpg.backup needs existingSecret (a Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY)" -}}
{{- end -}}
{{- end -}}

{{/* The replica floor the PodDisruptionBudget protects. */}}
{{- define "hop.minReplicas" -}}
{{- if .Values.autoscaling.hpa.enabled -}}{{ .Values.autoscaling.hpa.minReplicas }}
{{- else if .Values.autoscaling.keda.enabled -}}{{ .Values.autoscaling.keda.minReplicas }}
{{- else -}}{{ .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* A NetworkPolicy peer from a {namespaceSelector, podSelector} value. */}}
{{- define "hop.peer" -}}
- namespaceSelector:
    {{- toYaml .namespaceSelector | nindent 4 }}
  podSelector:
    {{- toYaml .podSelector | nindent 4 }}
{{- end }}

{{/* Alertmanager matcher strings (name="value") as AlertmanagerConfig matcher objects, in YAML. */}}
{{- define "hop.amMatchers" -}}
{{- $out := list -}}
{{- range . }}
{{- if not (regexMatch "^([a-zA-Z_]+)(=~|!~|!=|=)\"(.*)\"$" .) }}{{ fail (printf "cannot translate the Alertmanager matcher %q" .) }}{{ end -}}
{{- $name := regexReplaceAll "^([a-zA-Z_]+)(=~|!~|!=|=)\"(.*)\"$" . "${1}" -}}
{{- $op := regexReplaceAll "^([a-zA-Z_]+)(=~|!~|!=|=)\"(.*)\"$" . "${2}" -}}
{{- $value := regexReplaceAll "^([a-zA-Z_]+)(=~|!~|!=|=)\"(.*)\"$" . "${3}" -}}
{{- $out = append $out (dict "name" $name "matchType" $op "value" $value) -}}
{{- end }}
{{- toYaml $out -}}
{{- end }}
