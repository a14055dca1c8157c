"""Keeps the CT4 identity database free of orphan drivers, with a full audit trail."""
