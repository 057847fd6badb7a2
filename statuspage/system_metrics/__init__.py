"""Metrics out: Statuspage's metrics providers and metrics, their data points (pushed
through the v1 API or pulled from Prometheus) stored downsampled, and the charts the public
page shows."""
