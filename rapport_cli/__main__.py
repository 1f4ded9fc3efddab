"""`python -m rapport_cli`."""

from rapport_cli.main import main

raise SystemExit(main())
