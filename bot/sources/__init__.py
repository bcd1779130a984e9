"""Where anime lists come from: the MAL API v2 client and MAL XML exports. HTTP lives only here."""

__all__: list[str] = []
