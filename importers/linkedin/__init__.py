"""LinkedIn "Get a copy of your data" export importer.

Entry point: ``parse_export(source, tenant_id=..., rep_id=None, rep_profile_url=None)``.
Modules: ``archive`` (zip/folder walking), ``catalog`` (file names -> kinds, ignored files),
``reading`` (encodings, delimiters, header search, rows with line numbers), ``dates`` (every
export date format; naive times are UTC), ``rep`` (whose export it is), ``directory``
(resolving people known only by name), ``network`` / ``messages`` / ``content`` (rows ->
events) and ``parser`` (orchestration).
"""

from importers.linkedin.parser import parse_export

__all__ = ["parse_export"]
