"""Azure public-cloud locations the simulated Compute provider accepts, with ARM display names."""
from __future__ import annotations

import hashlib

# Gallery documents name regions by display name ("West Europe"); requests may use either form.
DISPLAY: dict[str, str] = {
    "australiaeast": "Australia East", "australiasoutheast": "Australia Southeast", "brazilsouth": "Brazil South",
    "canadacentral": "Canada Central", "canadaeast": "Canada East", "centralindia": "Central India",
    "centralus": "Central US", "eastasia": "East Asia", "eastus": "East US", "eastus2": "East US 2",
    "francecentral": "France Central", "germanywestcentral": "Germany West Central", "italynorth": "Italy North",
    "japaneast": "Japan East", "japanwest": "Japan West", "koreacentral": "Korea Central", "koreasouth": "Korea South",
    "northcentralus": "North Central US", "northeurope": "North Europe", "norwayeast": "Norway East",
    "polandcentral": "Poland Central", "qatarcentral": "Qatar Central", "southafricanorth": "South Africa North",
    "southcentralus": "South Central US", "southeastasia": "Southeast Asia", "southindia": "South India",
    "spaincentral": "Spain Central", "swedencentral": "Sweden Central", "switzerlandnorth": "Switzerland North",
    "uaenorth": "UAE North", "uksouth": "UK South", "ukwest": "UK West", "westcentralus": "West Central US",
    "westeurope": "West Europe", "westindia": "West India", "westus": "West US", "westus2": "West US 2",
    "westus3": "West US 3",
}
LOCATIONS: frozenset[str] = frozenset(DISPLAY)


def normalize(location: str) -> str:
    """ARM accepts display names too ("West Europe"): compare on the short form."""
    return location.replace(" ", "").lower()


def display_name(location: str) -> str:
    return DISPLAY.get(normalize(location), location)


def replication_seconds(region: str) -> float:
    """Each target region replicates in its own, repeatable time: 5 to 14 minutes."""
    return 300.0 + (hashlib.sha256(normalize(region).encode()).digest()[0] % 10) * 60.0
