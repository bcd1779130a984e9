"""Chat front ends: thin adapters that parse input, call the service and render replies."""

__all__: list[str] = []
