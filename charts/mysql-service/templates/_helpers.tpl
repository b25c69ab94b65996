{{- define "mysql-service.labels" -}}
app.kubernetes.io/name: qmysql
app.kubernetes.io/instance: {{ .Values.name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.uid }}
mysql.qiniu.com/uid: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "mysql-service.passwordSecret" -}}
{{- printf "%s-root-password" .Values.name -}}
{{- end -}}
