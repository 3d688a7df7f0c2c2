// Package grimbots holds the domain of the platform: entities, money, statuses,
// errors and the interfaces that the adapters (store, HTTP, Telegram, gateways)
// implement or consume. It imports nothing of ours, so every other package can
// depend on it without cycles.
package grimbots
