{{- define "vigil.fullname" -}}
{{- printf "%s-vigil" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vigil.labels" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "vigil.secretName" -}}
{{- default (printf "%s-secrets" (include "vigil.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}
