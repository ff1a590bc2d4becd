"""Service side of realtime: overlay per network, STPT replay, congestion, closures."""
