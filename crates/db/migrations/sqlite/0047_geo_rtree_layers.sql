-- The geography registry's R-tree holds the layer as a third dimension, so that a page of
-- one layer's features in a box is found by the index alone. With the layer only a stored
-- column, every candidate of every layer in the box was read from the R-tree's rowid table to
-- test its layer: at a million features a 0.02° box holds about 125 features, 16 of them land
-- parcels. A layer's number is its place in `registry::geo::LAYERS` (new layers go at the end;
-- a test checks this list against it); a feature spans n to n + 0.5 of it, so that the
-- R-tree's volumes, by which it keeps neighbours together, are never zero. Rebuilding the
-- index takes 15 s to a minute for a million features.
CREATE VIRTUAL TABLE geo_features_rtree_layered USING rtree(id, min_x, max_x, min_y, max_y, min_layer, max_layer, +division);
INSERT INTO geo_features_rtree_layered (id, min_x, max_x, min_y, max_y, min_layer, max_layer, division)
SELECT r.id, r.min_x, r.max_x, r.min_y, r.max_y, CASE r.layer WHEN 'land-parcels' THEN 0 WHEN 'mineral-rights' THEN 1 WHEN 'ecological-redlines' THEN 2 WHEN 'grasslands' THEN 3 WHEN 'forests-wetlands' THEN 4 WHEN 'rivers-lakes' THEN 5 WHEN 'roads' THEN 6 WHEN 'settlements' THEN 7 WHEN 'pipelines' THEN 8 END, CASE r.layer WHEN 'land-parcels' THEN 0 WHEN 'mineral-rights' THEN 1 WHEN 'ecological-redlines' THEN 2 WHEN 'grasslands' THEN 3 WHEN 'forests-wetlands' THEN 4 WHEN 'rivers-lakes' THEN 5 WHEN 'roads' THEN 6 WHEN 'settlements' THEN 7 WHEN 'pipelines' THEN 8 END + 0.5, r.division
FROM geo_features_rtree r;
DROP TABLE geo_features_rtree;
ALTER TABLE geo_features_rtree_layered RENAME TO geo_features_rtree;
