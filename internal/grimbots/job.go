package grimbots

// Job is a unit of background work. A change that causes side effects
// (an email, a delivery, a commission) passes its jobs to the store, which
// enqueues them in the same transaction: they run if and only if the change
// commits. Kind names the job type; the value is serialised as JSON.
type Job interface {
	Kind() string
}
