from rapportkit.migrate import run_env

run_env()
