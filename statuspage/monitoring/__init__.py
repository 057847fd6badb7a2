"""Monitoring in: alerts from the tools self-hosters run (Alertmanager, Grafana, Uptime
Kuma, a generic JSON) move components' status through rules, damped, with a person in the
loop for what customers read."""
