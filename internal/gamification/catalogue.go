package gamification

import (
	"fmt"
	"slices"
)

// Achievement is an entry of the catalogue. Every requirement is a minimum
// on a non-negative metric (metric ≥ target, target > 0), all of them must
// hold, and every metric is computed: the reference's "less than" and
// "equal to" requirements on metrics it never computed (0) unlocked
// "a sale between 00:00 and 05:00" for everyone and never unlocked the rest.
type Achievement struct {
	Slug        string
	Name        string
	Description string
	Category    string
	Tier        int
	Rarity      string
	// Points are experience shown with the achievement. They never enter
	// the ranking or the league score (in the reference they were added
	// on top of the score, then erased by the next recalculation).
	Points int64
	Icon   string
	// Secret achievements show as "???" until unlocked.
	Secret bool
	// Permanent achievements record a closed fact (a month's final
	// standings): later refunds do not take them back. The others follow
	// the seller's net sales: a refund or chargeback that brings a
	// requirement back under its target withdraws them, so a sale bought
	// and refunded earns nothing.
	Permanent bool
	Requires  []Requirement
}

// Requirement is "Metric ≥ Target".
type Requirement struct {
	Metric Metric
	Target int64
}

func req(m Metric, target int64) []Requirement { return []Requirement{{m, target}} }

// Categories and rarities (the reference's vocabularies).
const (
	CategorySales     = "sales"
	CategoryStreak    = "streak"
	CategorySpeed     = "speed"
	CategoryTechnical = "technical"
	CategoryRanking   = "ranking"
	CategorySecret    = "secret"
)

// Catalogue lists the achievements, in display order. Slugs are the
// reference's, for the achievements kept. Amounts are centavos.
//
// Left out: config_complete_bronze (a bot's configuration, not a sale:
// it belongs with the bot settings), the remarketing pair (campaign
// attribution is being built), league_promotion_silver (repeatable;
// leagues are shown instead), all_gateways_secret (no meaningful
// measure), and the seasonal ones (no seasons).
var Catalogue = []Achievement{
	{Slug: "first_sale_bronze", Name: "Primeira Venda", Description: "Faça sua primeira venda.", Category: CategorySales,
		Tier: 1, Rarity: "common", Points: 100, Icon: "fa-handshake", Requires: req(MetricSales, 1)},
	{Slug: "sales_10_bronze", Name: "Vendedor Iniciante", Description: "Alcance 10 vendas.", Category: CategorySales,
		Tier: 1, Rarity: "common", Points: 500, Icon: "fa-chart-line", Requires: req(MetricSales, 10)},
	{Slug: "revenue_1k_bronze", Name: "Primeiro Milhar", Description: "Fature R$ 1.000,00.", Category: CategorySales,
		Tier: 1, Rarity: "common", Points: 1000, Icon: "fa-dollar-sign", Requires: req(MetricRevenue, 100_000)},
	{Slug: "sales_50_silver", Name: "Vendedor Experiente", Description: "Alcance 50 vendas.", Category: CategorySales,
		Tier: 2, Rarity: "uncommon", Points: 2500, Icon: "fa-medal", Requires: req(MetricSales, 50)},
	{Slug: "revenue_10k_silver", Name: "Cinco Zeros", Description: "Fature R$ 10.000,00.", Category: CategorySales,
		Tier: 2, Rarity: "uncommon", Points: 5000, Icon: "fa-coins", Requires: req(MetricRevenue, 1_000_000)},
	{Slug: "avg_ticket_50_silver", Name: "Vendedor Premium", Description: "Tenha ticket médio de pelo menos R$ 50,00 em 20 vendas ou mais.",
		Category: CategorySales, Tier: 2, Rarity: "rare", Points: 3000, Icon: "fa-gem",
		Requires: []Requirement{{MetricAvgTicket, 5_000}, {MetricSales, 20}}},
	{Slug: "sales_100_gold", Name: "Centurião", Description: "Alcance 100 vendas.", Category: CategorySales,
		Tier: 3, Rarity: "rare", Points: 10000, Icon: "fa-trophy", Requires: req(MetricSales, 100)},
	{Slug: "revenue_50k_gold", Name: "Magnata Digital", Description: "Fature R$ 50.000,00.", Category: CategorySales,
		Tier: 3, Rarity: "epic", Points: 25000, Icon: "fa-crown", Requires: req(MetricRevenue, 5_000_000)},
	{Slug: "conversion_10_gold", Name: "Mestre da Conversão", Description: "Converta pelo menos 10% de 100 leads ou mais.",
		Category: CategorySales, Tier: 3, Rarity: "epic", Points: 15000, Icon: "fa-bullseye",
		Requires: []Requirement{{MetricConversion, 1_000}, {MetricLeads, 100}}},
	{Slug: "sales_250_gold", Name: "Vendedor Veterano", Description: "Alcance 250 vendas.", Category: CategorySales,
		Tier: 3, Rarity: "epic", Points: 20000, Icon: "fa-user-tie", Requires: req(MetricSales, 250)},
	{Slug: "sales_500_platinum", Name: "Vendedor de Elite", Description: "Alcance 500 vendas.", Category: CategorySales,
		Tier: 4, Rarity: "legendary", Points: 50000, Icon: "fa-star", Requires: req(MetricSales, 500)},
	{Slug: "revenue_100k_platinum", Name: "Seis Dígitos", Description: "Fature R$ 100.000,00.", Category: CategorySales,
		Tier: 4, Rarity: "legendary", Points: 100000, Icon: "fa-rocket", Requires: req(MetricRevenue, 10_000_000)},
	{Slug: "revenue_500k_platinum", Name: "Meio Milhão", Description: "Fature R$ 500.000,00.", Category: CategorySales,
		Tier: 5, Rarity: "mythic", Points: 250000, Icon: "fa-gem", Requires: req(MetricRevenue, 50_000_000)},
	{Slug: "conversion_rate_20_gold", Name: "Mago da Conversão", Description: "Converta pelo menos 20% de 200 leads ou mais.",
		Category: CategorySales, Tier: 3, Rarity: "legendary", Points: 30000, Icon: "fa-magic",
		Requires: []Requirement{{MetricConversion, 2_000}, {MetricLeads, 200}}},

	{Slug: "streak_3_bronze", Name: "Aquecendo", Description: "Venda em 3 dias seguidos.", Category: CategoryStreak,
		Tier: 1, Rarity: "common", Points: 300, Icon: "fa-fire", Requires: req(MetricBestStreak, 3)},
	{Slug: "streak_7_silver", Name: "Semana Perfeita", Description: "Venda em 7 dias seguidos.", Category: CategoryStreak,
		Tier: 2, Rarity: "uncommon", Points: 2000, Icon: "fa-fire-alt", Requires: req(MetricBestStreak, 7)},
	{Slug: "streak_30_gold", Name: "Incansável", Description: "Venda em 30 dias seguidos.", Category: CategoryStreak,
		Tier: 3, Rarity: "epic", Points: 15000, Icon: "fa-infinity", Requires: req(MetricBestStreak, 30)},
	{Slug: "streak_90_platinum", Name: "Máquina de Vendas", Description: "Venda em 90 dias seguidos.", Category: CategoryStreak,
		Tier: 4, Rarity: "legendary", Points: 50000, Icon: "fa-bolt", Requires: req(MetricBestStreak, 90)},

	{Slug: "first_sale_24h_bronze", Name: "Início Rápido", Description: "Receba sua primeira venda em até 24 horas após o cadastro.",
		Category: CategorySpeed, Tier: 1, Rarity: "uncommon", Points: 1500, Icon: "fa-running", Requires: req(MetricFastStart, 1)},
	{Slug: "sales_10_day_silver", Name: "Dia Produtivo", Description: "Faça 10 vendas em um mesmo dia.", Category: CategorySpeed,
		Tier: 2, Rarity: "rare", Points: 5000, Icon: "fa-calendar-day", Requires: req(MetricBestDaySales, 10)},
	{Slug: "revenue_1k_day_gold", Name: "Dia de Ouro", Description: "Fature R$ 1.000,00 em um mesmo dia.", Category: CategorySpeed,
		Tier: 3, Rarity: "epic", Points: 10000, Icon: "fa-sun", Requires: req(MetricBestDayRevenue, 100_000)},

	{Slug: "order_bump_active_silver", Name: "Upseller", Description: "Venda uma oferta com order bump.", Category: CategoryTechnical,
		Tier: 2, Rarity: "uncommon", Points: 2000, Icon: "fa-plus-square", Requires: req(MetricBumpSales, 1)},
	{Slug: "downsell_conversion_gold", Name: "Mestre do Downsell", Description: "Faça 5 vendas por downsell.", Category: CategoryTechnical,
		Tier: 3, Rarity: "rare", Points: 8000, Icon: "fa-layer-group", Requires: req(MetricDownsellSales, 5)},

	{Slug: "top100_bronze", Name: "Entre os Melhores", Description: "Termine um mês entre os 100 primeiros do ranking (com ao menos 500 vendedores).",
		Category: CategoryRanking, Tier: 1, Rarity: "uncommon", Points: 5000, Icon: "fa-chart-bar", Permanent: true,
		Requires: req(MetricMonthsTop100, 1)},
	{Slug: "top10_silver", Name: "Elite", Description: "Termine um mês entre os 10 primeiros do ranking (com ao menos 100 vendedores).",
		Category: CategoryRanking, Tier: 2, Rarity: "rare", Points: 25000, Icon: "fa-award", Permanent: true,
		Requires: req(MetricMonthsTop10, 1)},
	{Slug: "rank1_gold", Name: "Número 1", Description: "Termine um mês em 1º lugar no ranking (com ao menos 50 vendedores).",
		Category: CategoryRanking, Tier: 3, Rarity: "legendary", Points: 100000, Icon: "fa-crown", Permanent: true,
		Requires: req(MetricMonthsFirst, 1)},

	{Slug: "midnight_sale_secret", Name: "Coruja Noturna", Description: "Receba uma venda entre 00:00 e 04:59.", Category: CategorySecret,
		Tier: 2, Rarity: "rare", Points: 5000, Icon: "fa-moon", Secret: true, Requires: req(MetricNightSales, 1)},
	{Slug: "perfect_week_secret", Name: "Semana Impecável", Description: "Venda todos os dias de uma semana, de segunda a domingo.",
		Category: CategorySecret, Tier: 2, Rarity: "epic", Points: 10000, Icon: "fa-calendar-check", Secret: true,
		Requires: req(MetricPerfectWeeks, 1)},
	{Slug: "lucky_777_secret", Name: "Jackpot", Description: "Alcance 777 vendas.", Category: CategorySecret,
		Tier: 3, Rarity: "legendary", Points: 77700, Icon: "fa-dice", Secret: true, Requires: req(MetricSales, 777)},
}

// validate checks the catalogue: unique slugs, requirements present, known
// metrics, positive targets. An unknown metric is an error here, where
// the reference read it as 0.
func validate(catalogue []Achievement) error {
	seen := map[string]bool{}
	for _, a := range catalogue {
		if a.Slug == "" || seen[a.Slug] {
			return fmt.Errorf("gamification: achievement slug %q is empty or repeated", a.Slug)
		}
		seen[a.Slug] = true
		if a.Name == "" || a.Description == "" || len(a.Requires) == 0 {
			return fmt.Errorf("gamification: achievement %s needs a name, a description and requirements", a.Slug)
		}
		for _, r := range a.Requires {
			if !slices.Contains(metrics, r.Metric) {
				return fmt.Errorf("gamification: achievement %s requires unknown metric %q", a.Slug, r.Metric)
			}
			if r.Target <= 0 {
				return fmt.Errorf("gamification: achievement %s: target of %s must be positive", a.Slug, r.Metric)
			}
		}
	}
	return nil
}

func init() {
	if err := validate(Catalogue); err != nil {
		panic(err)
	}
}

// achievement returns the catalogue entry of slug.
func achievement(slug string) (Achievement, bool) {
	i := slices.IndexFunc(Catalogue, func(a Achievement) bool { return a.Slug == slug })
	if i < 0 {
		return Achievement{}, false
	}
	return Catalogue[i], true
}
