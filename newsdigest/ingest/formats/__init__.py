"""Seed formats other than the profile-read plain text of seeds.py: HTML article pages,
records files (JSON Lines, JSON arrays, CSV), text encodings and wire formats. Each reader
returns the same `Seed` that seeds.read_seed makes from text."""
