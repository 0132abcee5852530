"""Helpers shared by the tests: builders, fakes, fixture warehouses and the independent oracle."""
