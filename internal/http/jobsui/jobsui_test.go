package jobsui

import (
	"reflect"
	"testing"
)

func TestDescribeChange(t *testing.T) {
	for _, tc := range []struct {
		method, rel, body string
		action            string
		details           map[string]any
	}{
		{"POST", "/api/jobs/retry", `{"ids":["12","13"]}`, AuditJobRetry, map[string]any{"job_ids": []string{"12", "13"}}},
		{"POST", "/api/jobs/cancel", `{"ids":[7]}`, AuditJobCancel, map[string]any{"job_ids": []string{"7"}}},
		{"POST", "/api/jobs/delete", `{"ids":["9223372036854775807"]}`, AuditJobDelete, map[string]any{"job_ids": []string{"9223372036854775807"}}},
		{"POST", "/api/jobs/retry", `not json`, AuditJobRetry, map[string]any{"job_ids": []string(nil)}},
		{"PUT", "/api/queues/default/pause", ``, AuditQueuePause, map[string]any{"queue": "default"}},
		{"PUT", "/api/queues/emails/resume", ``, AuditQueueResume, map[string]any{"queue": "emails"}},
		{"PATCH", "/api/queues/default", `{"concurrency":null}`, AuditQueueUpdate, map[string]any{"queue": "default"}},
		{"POST", "/api/pro/something", `{}`, AuditOther, map[string]any{"method": "POST", "path": "/api/pro/something"}},
		{"DELETE", "/api/queues/default/pause", ``, AuditOther, map[string]any{"method": "DELETE", "path": "/api/queues/default/pause"}},
	} {
		action, details := describeChange(tc.method, tc.rel, []byte(tc.body))
		if action != tc.action || !reflect.DeepEqual(details, tc.details) {
			t.Errorf("%s %s %s: %s %#v, want %s %#v", tc.method, tc.rel, tc.body, action, details, tc.action, tc.details)
		}
	}
}
