package app_test

// The remarketing campaigns' operations (their scenarios are in
// campaigns_e2e_test.go).

func init() {
	operations = append(operations,
		operation{"GET", "/api/v1/campaigns", "any"},
		operation{"POST", "/api/v1/campaigns", "any"},
		operation{"GET", "/api/v1/campaigns/preview", "any"},
		operation{"GET", "/api/v1/campaigns/{id}", "any"},
		operation{"PUT", "/api/v1/campaigns/{id}", "any"},
		operation{"DELETE", "/api/v1/campaigns/{id}", "any"},
		operation{"POST", "/api/v1/campaigns/{id}/start", "any"},
		operation{"POST", "/api/v1/campaigns/{id}/pause", "any"},
		operation{"POST", "/api/v1/campaigns/{id}/resume", "any"},
		operation{"POST", "/api/v1/campaigns/{id}/cancel", "any"},
	)
}
