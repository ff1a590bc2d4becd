"""CO2 emission factors per mode, grams per passenger-kilometre (also returned by /v1/plan).

Sources of the orders of magnitude: EEA "Transport and environment" passenger-km averages and
Romania's grid mix (~260 g CO2/kWh); electric tram/trolleybus ~0.12 kWh/pkm at urban loads.
Walking and cycling count as zero.  Values are deliberately round: they support comparisons
between itineraries, not carbon accounting.
"""

from __future__ import annotations

CO2_G_PER_PKM: dict[str, float] = {
    "WALK": 0.0,
    "BIKE": 0.0,
    "BIKESHARE": 0.0,
    "TRAM": 30.0,
    "TROLLEYBUS": 30.0,
    "SUBWAY": 30.0,
    "RAIL": 35.0,
    "MONORAIL": 30.0,
    "FUNICULAR": 30.0,
    "CABLE_CAR": 30.0,
    "GONDOLA": 30.0,
    "BUS": 75.0,
    "COACH": 45.0,
    "FERRY": 120.0,
    "TAXI": 170.0,
    "AIRPLANE": 250.0,
    "CAR": 170.0,
    "CARSHARE": 50.0,
}


def co2_g(mode: str, distance_m: float) -> float:
    """Grams of CO2 for ``distance_m`` metres travelled in ``mode`` (unknown modes as a bus)."""
    return round(CO2_G_PER_PKM.get(mode, CO2_G_PER_PKM["BUS"]) * distance_m / 1000.0, 1)
