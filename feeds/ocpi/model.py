"""OCPI 2.2.1 Location / EVSE / Connector records (module ``locations``).

Units: coordinates in WGS84 degrees, voltage in volts, current in amperes, power in watts,
times in Unix seconds (UTC).  Enumerations carry the 2.2.1 values; a connector standard this
version does not know (newer versions add some) is kept as its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EvseStatus(StrEnum):
    """OCPI 2.2.1 ``Status`` of an EVSE."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


#: Statuses in which a driver could start charging now.
USABLE_STATUSES = frozenset({EvseStatus.AVAILABLE})
#: Statuses of an EVSE that physically exists and may become usable.
IN_SERVICE_STATUSES = frozenset({
    EvseStatus.AVAILABLE, EvseStatus.BLOCKED, EvseStatus.CHARGING, EvseStatus.RESERVED,
    EvseStatus.UNKNOWN,
})


class PowerType(StrEnum):
    """OCPI 2.2.1 ``PowerType``."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ConnectorFormat(StrEnum):
    """OCPI 2.2.1 ``ConnectorFormat``: a socket to plug a cable in, or a fixed cable."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorStandard(StrEnum):
    """OCPI 2.2.1 ``ConnectorType`` (the plug standard)."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


@dataclass(frozen=True)
class Connector:
    """One plug of an EVSE (only one connector of an EVSE can be used at a time)."""

    connector_id: str
    standard: ConnectorStandard | str
    format: ConnectorFormat | None
    power_type: PowerType | None
    max_voltage_v: int | None
    max_amperage_a: int | None
    max_electric_power_w: int | None = None
    tariff_ids: tuple[str, ...] = ()
    last_updated_s: int | None = None

    @property
    def power_w(self) -> int | None:
        """Maximum power in watts: ``max_electric_power``, else voltage x current (x3 on
        3-phase AC, where OCPI voltage is line-to-neutral)."""
        if self.max_electric_power_w is not None:
            return self.max_electric_power_w
        if self.max_voltage_v is None or self.max_amperage_a is None:
            return None
        phases = 3 if self.power_type == PowerType.AC_3_PHASE else 1
        return self.max_voltage_v * self.max_amperage_a * phases


@dataclass(frozen=True)
class Evse:
    """One EVSE (charge point that can charge one vehicle at a time)."""

    uid: str
    status: EvseStatus
    connectors: tuple[Connector, ...]
    evse_id: str | None = None
    capabilities: tuple[str, ...] = ()
    floor_level: str | None = None
    physical_reference: str | None = None
    lat: float | None = None
    lon: float | None = None
    parking_restrictions: tuple[str, ...] = ()
    last_updated_s: int | None = None


@dataclass(frozen=True)
class RegularHours:
    """Opening period on ``weekday`` (1 = Monday .. 7 = Sunday), local "HH:MM" times."""

    weekday: int
    period_begin: str
    period_end: str


@dataclass(frozen=True)
class OpeningTimes:
    """OCPI ``Hours``; exceptional periods are (begin, end) Unix seconds."""

    twentyfourseven: bool
    regular_hours: tuple[RegularHours, ...] = ()
    exceptional_openings: tuple[tuple[int, int], ...] = ()
    exceptional_closings: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Location:
    """A charging location with its EVSEs."""

    country_code: str
    party_id: str
    location_id: str
    lat: float
    lon: float
    evses: tuple[Evse, ...]
    name: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    publish: bool = True
    parking_type: str | None = None
    operator: str | None = None
    time_zone: str | None = None
    opening_times: OpeningTimes | None = None
    charging_when_closed: bool | None = None
    facilities: tuple[str, ...] = ()
    is_green_energy: bool | None = None
    last_updated_s: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(country_code, party_id, location_id): unique across CPOs."""
        return (self.country_code, self.party_id, self.location_id)

    @property
    def n_connectors(self) -> int:
        """Connectors over all EVSEs."""
        return sum(len(e.connectors) for e in self.evses)

    def evse(self, uid: str) -> Evse | None:
        """The EVSE with ``uid`` (None when absent)."""
        return next((e for e in self.evses if e.uid == uid), None)

    def count_status(self, status: EvseStatus) -> int:
        """Number of EVSEs with ``status``."""
        return sum(1 for e in self.evses if e.status == status)

    @property
    def n_available(self) -> int:
        """EVSEs free to charge now."""
        return sum(1 for e in self.evses if e.status in USABLE_STATUSES)
