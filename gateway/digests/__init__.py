"""E-mail digests (docs/integrations.md, "E-mail digests"): subscriptions (routes.py), what a digest
says (content.py), the e-mail (render.py, Jinja2 templates in templates/), the SMTP transport
(smtp.py) and the scheduler that sends each digest of each period once (schedule.py)."""
