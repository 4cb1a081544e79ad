"""``python -m geo``: see ``geo.cli``."""

import sys

from .cli import main

sys.exit(main())
