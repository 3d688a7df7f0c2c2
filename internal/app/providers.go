package app

import (
	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/gateway/aguiapags"
	"github.com/grimbots/grimbots/internal/gateway/atomopay"
	"github.com/grimbots/grimbots/internal/gateway/babylon"
	"github.com/grimbots/grimbots/internal/gateway/bolt"
	"github.com/grimbots/grimbots/internal/gateway/hoopay"
	"github.com/grimbots/grimbots/internal/gateway/orionpay"
	"github.com/grimbots/grimbots/internal/gateway/paradise"
	"github.com/grimbots/grimbots/internal/gateway/pushinpay"
	"github.com/grimbots/grimbots/internal/gateway/sigilopay"
	"github.com/grimbots/grimbots/internal/gateway/syncpay"
	"github.com/grimbots/grimbots/internal/gateway/umbrellapag"
	"github.com/grimbots/grimbots/internal/gateway/wiinpay"
)

// providerDrivers lists the real PIX providers a seller can configure.
func providerDrivers() []gateway.Driver {
	return []gateway.Driver{
		syncpay.Driver, pushinpay.Driver, paradise.Driver, hoopay.Driver,
		wiinpay.Driver, umbrellapag.Driver, atomopay.Driver, orionpay.Driver,
		babylon.Driver, bolt.Driver, aguiapags.Driver, sigilopay.Driver,
	}
}
