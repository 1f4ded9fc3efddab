"""`rapport`, the command-line client of a Rapport gateway: imports with progress, scores, the
leaderboard, the event stream and the directory (docs/imports.md). Entry point:
`rapport_cli.main:main`."""
