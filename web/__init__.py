"""The web dashboard: FastAPI, server-rendered German HTML, and a JSON API under /api."""
