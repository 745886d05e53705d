"""Routers by area: login and start (pages), overview, department, admin, JSON API."""
