"""The network service."""

from rapportkit.service import domain_spec

spec = domain_spec("network", package_file=__file__, title="Rapport network service")
