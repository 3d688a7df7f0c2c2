package app

import (
	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/sandbox"
)

// gatewayDrivers lists the PIX gateways the platform offers: the sandbox
// first (every new seller starts with it), then the providers.
func (a *App) gatewayDrivers(opts Options) []gateway.Driver {
	drivers := []gateway.Driver{sandbox.Driver(a.Store, opts.Clock)}
	drivers = append(drivers, providerDrivers()...)
	return append(drivers, opts.ExtraGateways...)
}

func kindMap(m map[string]string) map[gateway.Kind]string {
	out := make(map[gateway.Kind]string, len(m))
	for k, v := range m {
		out[gateway.Kind(k)] = v
	}
	return out
}
