-- SQLite's R-tree gains the layer as a dimension (see the SQLite migration). PostgreSQL's GiST
-- index over the features' boxes is unchanged.
SELECT 1;
