"""Network layer: contracts, exposures and clearing."""
