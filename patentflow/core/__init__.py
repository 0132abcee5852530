"""The bottom layer: settings, Beijing-time data intervals, reference data, alerts and redaction.

Everything above imports from here; nothing here imports another patentflow package."""
