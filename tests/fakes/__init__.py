"""Fakes of our ports and of the outside services (real HTTP on loopback)."""
