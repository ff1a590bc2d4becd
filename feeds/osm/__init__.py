"""OpenStreetMap ingestion: ``.osm.pbf`` extracts and GeoJSON road layers -> StreetGraph."""

from feeds.osm.geojson import read_geojson_roads
from feeds.osm.pbf import read_osm_pbf

__all__ = ["read_geojson_roads", "read_osm_pbf"]
