DROP TABLE pool_clicks;
DROP TABLE pool_members;
DROP TABLE pools;
