"""The operations listener (:9090): health probes and Prometheus metrics."""
