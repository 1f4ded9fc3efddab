"""The content service."""

from rapportkit.service import domain_spec

spec = domain_spec("content", package_file=__file__, title="Rapport content service")
