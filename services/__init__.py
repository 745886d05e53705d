"""Use cases shared by the CLI, the web app and the flows: each opens no session itself."""
