DROP TABLE gamification_standings;
DROP TABLE gamification_unlocks;
DROP TABLE gamification_sellers;
DROP TABLE gamification_totals;
DROP TABLE gamification_sales;
