DROP INDEX leads_bot_id_idx;
DROP TABLE campaign_recipients;
DROP TABLE campaign_bots;
DROP TABLE campaigns;
