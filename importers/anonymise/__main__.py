"""``python -m importers.anonymise``: see the package docstring."""

from importers.anonymise import main

raise SystemExit(main())
