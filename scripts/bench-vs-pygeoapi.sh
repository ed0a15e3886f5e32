#!/usr/bin/env bash
# Measures Yiwang's OGC API – Features side by side with pygeoapi (PyPI) and its PostgreSQL
# provider on PostGIS, serving the very same features from the same PostgreSQL server:
# Yiwang seeds its synthetic features into a database of their own, the land parcels are
# copied into a PostGIS table with the same ids, pygeoapi serves that table under gunicorn
# (2 workers, 8 threads each: both cores), Yiwang serves its own tables, and
# `yiwang bench-ogc` sends both the same four kinds of query with the same load generator in
# one run (see crates/yiwang/src/bench/ogc_compare.rs).
#
# Installs what it needs: PostGIS (Debian), pygeoapi and its provider's libraries (PyPI, in a
# temporary virtualenv). Builds the release binary if missing.
#
# Usage: scripts/bench-vs-pygeoapi.sh [FEATURES ...]   (default: 100000 1000000)
#        PG_URL=postgres://postgres@127.0.0.1:5432/test   the server to use
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
BIN="${YIWANG_BIN:-target/release/yiwang}"
[ -x "$BIN" ] || cargo build --release -p yiwang
PGVER="$(ls /etc/postgresql | head -1)"
if [ ! -f "/usr/share/postgresql/$PGVER/extension/postgis.control" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PGVER-postgis-3" >/dev/null
fi
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "pygeoapi==0.21.0" gunicorn \
  psycopg2-binary SQLAlchemy GeoAlchemy2 pygeofilter
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "$1 did not answer" >&2; return 1; }
ADMIN_URL="$PG_URL"
BASE="${PG_URL%/*}"
echo "PostgreSQL $(psql "$ADMIN_URL" -qAtc 'show server_version'), PostGIS from Debian, pygeoapi $("$WORK/venv/bin/pip" show pygeoapi | awk '/^Version/ {print $2}'), $(nproc) cores"

for N in "${SIZES[@]}"; do
  DB="yiwang_ogc_bench_$N"
  URL="$BASE/$DB"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
  YIWANG_LOG=warn "$BIN" migrate --database-url "$URL" >/dev/null
  YIWANG_LOG=warn "$BIN" seed --database-url "$URL" --persons 0 --entities 0 --features "$N" >/dev/null
  psql "$URL" -q >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE parcels AS
  SELECT id, code, name, division, (properties::jsonb ->> 'use') AS use,
         (properties::jsonb ->> 'area_m2')::integer AS area_m2,
         ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326) AS geom
    FROM geo_features WHERE layer = 'land-parcels';
ALTER TABLE parcels ADD PRIMARY KEY (id);
CREATE INDEX parcels_geom ON parcels USING GIST (geom);
ANALYZE parcels;
SQL
  PARCELS="$(psql "$URL" -qAtc 'select count(*) from parcels')"
  PY_PORT="$(free_port)"; YW_PORT="$(free_port)"
  cat >"$WORK/pygeoapi.yml" <<YML
server:
  bind: { host: 127.0.0.1, port: $PY_PORT }
  url: http://127.0.0.1:$PY_PORT
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: { default_items: 10, max_items: 1000 }
  map: { url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: OSM }
logging: { level: ERROR }
metadata:
  identification: { title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none, url: http://127.0.0.1 }
  license: { name: CC-BY 4.0, url: https://creativecommons.org/licenses/by/4.0/ }
  provider: { name: bench, url: http://127.0.0.1 }
  contact: { name: bench }
resources:
  parcels:
    type: collection
    title: parcels
    description: land parcels
    keywords: [parcels]
    extents: { spatial: { bbox: [78, 26, 100, 37], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84 } }
    providers:
      - type: feature
        name: PostgreSQL
        data: { host: 127.0.0.1, port: 5432, dbname: $DB, user: postgres, search_path: [public] }
        id_field: id
        table: parcels
        geom_field: geom
YML
  PYGEOAPI_CONFIG="$WORK/pygeoapi.yml" PYGEOAPI_OPENAPI="$WORK/openapi.yml" \
    "$WORK/venv/bin/pygeoapi" openapi generate "$WORK/pygeoapi.yml" --output-file "$WORK/openapi.yml" >/dev/null 2>&1
  PYGEOAPI_CONFIG="$WORK/pygeoapi.yml" PYGEOAPI_OPENAPI="$WORK/openapi.yml" \
    "$WORK/venv/bin/gunicorn" --chdir "$WORK" -w 2 --threads 8 -b "127.0.0.1:$PY_PORT" \
    pygeoapi.flask_app:APP >"$WORK/pygeoapi.log" 2>&1 &
  PIDS+=($!)
  YIWANG_LOG=warn "$BIN" serve --database-url "$URL" --listen "127.0.0.1:$YW_PORT" >"$WORK/yiwang.log" 2>&1 &
  PIDS+=($!)
  wait_for "http://127.0.0.1:$PY_PORT/collections/parcels/items?limit=1"
  wait_for "http://127.0.0.1:$YW_PORT/ogc/collections/land-parcels/items?limit=1"
  echo
  echo "== $N features, $PARCELS land parcels, on PostgreSQL (Yiwang and pygeoapi on the same server)"
  "$BIN" bench-ogc --target "http://127.0.0.1:$YW_PORT/ogc/collections/land-parcels" \
    --baseline "http://127.0.0.1:$PY_PORT/collections/parcels" --seconds "${SECONDS_EACH:-5}"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  PIDS=()
  sleep 1
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
done
